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
	return copyFollowing(ctx, db, mbs, pull, push, newFollow())
}

func copyFollowing(ctx context.Context, db *store.DB, mbs []CopyMailbox, pull PullOptions, push PushOptions, follow *Follow) (Report, PushReport, error) {
	var pulls []PullMailbox
	var pushes []PushMailbox
	for _, m := range mbs {
		pulls = append(pulls, PullMailbox{Box: m.Box, Endpoint: m.Source})
		pushes = append(pushes, PushMailbox{Box: m.Box, Endpoint: m.Dest})
	}
	var prep Report
	var qrep PushReport
	var perr, qerr error
	beside(follow, func(f *Follow) {
		pull.Follow = f
		prep, perr = Pull(ctx, db, pulls, pull)
	}, func(f *Follow) {
		push.Follow = f
		qrep, qerr = Push(ctx, db, pushes, push)
	})
	if perr != nil {
		return prep, qrep, perr
	}
	return prep, qrep, qerr
}

// Beside runs pull in a goroutine of its own and push in this one, tied by
// a new Follow (each passes it to its PullOptions or PushOptions), and
// returns once both have returned. The Follow is ended when pull returns,
// whether or not it reached the engine, so push never waits for a pull
// that is over.
func Beside(pull, push func(*Follow)) {
	beside(newFollow(), pull, push)
}

func beside(f *Follow, pull, push func(*Follow)) {
	pulled := make(chan struct{})
	go func() {
		defer close(pulled)
		defer f.end()
		pull(f)
	}()
	push(f)
	<-pulled
}
