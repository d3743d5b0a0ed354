package sync

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"mailshift/store"
)

// ReconcileOptions tune a reconciliation.
type ReconcileOptions struct {
	// Sample is how many matched messages per folder are fetched whole and
	// compared byte for byte with the store; 0 means 5, negative means all.
	Sample int
	// MaxConnections bounds mailboxes compared at once; default 4.
	MaxConnections int
}

// ReconcileMailbox is one mailbox to compare. Source is optional: when its
// Host is set, the source's counts and new UIDs are read fresh (read-only),
// else the last inventory stands in for them.
type ReconcileMailbox struct {
	Box    store.BoxKey
	Source Endpoint
	Dest   Endpoint
}

// Reconcile compares, per mailbox and folder, the source (counts), the
// local store and the destination (fetched fresh: UIDs, sizes,
// Message-IDs, dates, flags): matched, missing, extra and skipped, each
// difference with a reason code. Matching uses the push journal (the UID
// each upload got) and, for the rest, Message-ID + size + content hash,
// exactly as the push does. Nothing is changed anywhere.
func Reconcile(ctx context.Context, db *store.DB, mbs []ReconcileMailbox, opts ReconcileOptions) (Reconciliation, error) {
	if opts.Sample == 0 {
		opts.Sample = 5
	}
	if opts.MaxConnections <= 0 {
		opts.MaxConnections = 4
	}
	out := Reconciliation{At: time.Now().UTC(), Mailboxes: make([]MailboxReconcile, len(mbs))}
	sem := make(chan struct{}, opts.MaxConnections)
	var wg gosync.WaitGroup
	for i, m := range mbs {
		wg.Add(1)
		go func(i int, m ReconcileMailbox) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			mr, err := reconcileMailbox(ctx, db, m, opts)
			if err != nil {
				mr.Err = err.Error()
			}
			mr.Mailbox = m.Box.MailboxID
			out.Mailboxes[i] = mr
		}(i, m)
	}
	wg.Wait()
	return out, ctx.Err()
}

func reconcileMailbox(ctx context.Context, db *store.DB, m ReconcileMailbox, opts ReconcileOptions) (MailboxReconcile, error) {
	var mr MailboxReconcile
	dc, err := Dial(ctx, m.Dest)
	if err != nil {
		return mr, fmt.Errorf("destination: %w", err)
	}
	defer dc.Close()
	dinfo, err := dc.Probe(ctx)
	if err != nil {
		return mr, fmt.Errorf("destination: %w", err)
	}
	in, _, err := mappingInput(db, m.Box.ProjectID, m.Box.MailboxID)
	if err != nil {
		return mr, err
	}
	in.Dest, in.DestFolders = SourceFoldersOf(dinfo)
	if in.Dest.Separator == "" {
		in.Dest.Separator = in.Profile.Separator
	}
	mapping := BuildMapping(in) // the saved names are kept: the same destinations the push used
	var sc *Conn
	fresh := map[string]FolderInfo{}
	if m.Source.Host != "" {
		if sc, err = Dial(ctx, m.Source); err != nil {
			return mr, fmt.Errorf("source: %w", err)
		}
		defer sc.Close()
		sinfo, err := sc.Inventory(ctx)
		if err != nil {
			return mr, fmt.Errorf("source: %w", err)
		}
		for _, f := range sinfo.Folders {
			fresh[f.Name] = f
		}
	} else if inv, ok, err := LatestInventory(db, m.Box.ProjectID, SnapshotSourceInventory, m.Box.MailboxID); err == nil && ok {
		for _, f := range inv.Folders {
			fresh[f.Name] = f
		}
	}
	states, err := db.FolderStates(m.Box)
	if err != nil {
		return mr, err
	}
	for _, fm := range mapping.Folders {
		st, stored := states[fm.Source]
		srcInfo, listed := fresh[fm.Source]
		if fm.Container || (!stored && (!listed || srcInfo.NoSelect)) {
			continue
		}
		fr := reconcileFolderState{db: db, box: m.Box, fm: fm, st: st, stored: stored, src: srcInfo, listed: listed, fresh: sc != nil, opts: opts}
		f, err := fr.run(ctx, sc, dc)
		if err != nil {
			return mr, fmt.Errorf("folder %q: %w", fm.Source, err)
		}
		mr.Folders = append(mr.Folders, f)
	}
	return mr, nil
}
