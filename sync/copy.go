package sync

import (
	"context"

	"mailshift/store"
)

// CopyMailbox is one mailbox to copy: pulled from Source into the store
// under Box, and pushed from there to Dest.
type CopyMailbox struct {
	Box          store.BoxKey
	Source, Dest Endpoint
}

// Copy pulls mbs into the store and pushes them to their destinations at
// once: what the pull has made durable goes to the destination while the
// pull goes on (Follow: a folder in passes over its final part, the last
// once the pull has finished it). The store
// stays the one path between the two servers, with the same guarantees as
// Pull then Push: every message is durable and indexed before it is
// pushed, and pushed exactly once; a run cut short resumes either way. On
// a first pass or a cutover day's final delta this takes about as long as
// the slower of the two instead of their sum. It returns both reports and
// the first error (a cancelled ctx, for both).
func Copy(ctx context.Context, db *store.DB, mbs []CopyMailbox, pull PullOptions, push PushOptions) (Report, PushReport, error) {
	return copyFollowing(ctx, db, mbs, pull, push, NewFollow())
}

func copyFollowing(ctx context.Context, db *store.DB, mbs []CopyMailbox, pull PullOptions, push PushOptions, follow *Follow) (Report, PushReport, error) {
	pull.Follow, push.Follow = follow, follow
	var pulls []PullMailbox
	var pushes []PushMailbox
	for _, m := range mbs {
		pulls = append(pulls, PullMailbox{Box: m.Box, Endpoint: m.Source})
		pushes = append(pushes, PushMailbox{Box: m.Box, Endpoint: m.Dest})
	}
	var prep Report
	var perr error
	pulled := make(chan struct{})
	go func() {
		defer close(pulled)
		prep, perr = Pull(ctx, db, pulls, pull)
	}()
	qrep, qerr := Push(ctx, db, pushes, push)
	<-pulled
	if perr != nil {
		return prep, qrep, perr
	}
	return prep, qrep, qerr
}
