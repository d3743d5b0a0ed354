package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"mailshift/store"
	"mailshift/sync"
)

// Failures on the demo: a refusal recorded in the push journal is listed
// with its subject and is retryable; the next push sends it (the push
// retries refused messages) and the list is empty; after a reconciliation
// the excluded folder's messages are listed as skipped, not retryable.
func TestFailuresFromTheJournalAndTheReconciliation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	const ann, bob = "ann@demo-company.test", "bob@demo-company.test"
	// Before a pull, a source total is complete only where an inventory was taken.
	info, err := a.Inventory(ctx, p.ID, ann)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := a.MailboxCounts(ctx, p.ID)
	if n, _ := info.Totals(); err != nil || counts[0].Mailbox != ann || !counts[0].SourceComplete || counts[0].SourceMessages != n || n == 0 ||
		counts[0].Local != 0 || counts[1].SourceComplete || counts[1].SourceMessages != 0 {
		t.Fatalf("counts before the pull: %+v, %v", counts, err)
	}
	if _, err := a.Pull(ctx, p.ID, nil, 2, nopSink{}); err != nil {
		t.Fatal(err)
	}
	if fs, err := a.Failures(ctx, p.ID); err != nil || len(fs) != 0 {
		t.Fatalf("before any push: %d failures, %v", len(fs), err)
	}

	// A refusal as the push records it (the demo server refuses nothing).
	box := store.BoxKey{ProjectID: p.ID, MailboxID: bob}
	states, _ := a.db.FolderStates(box)
	var first store.MessageRecord
	a.db.ForEachMessage(box, "INBOX", states["INBOX"].UIDValidity, func(m store.MessageRecord) error {
		if first.UID == 0 {
			first = m
		}
		return nil
	})
	refused := store.PushRecord{State: store.PushFailed, Reason: sync.CodeRejected, Text: "NO [CANNOT] message refused by policy",
		Size: first.Size, MessageID: first.MessageID, SourceUID: first.UID, At: time.Now().UTC()}
	if err := a.db.RecordPush(p.ID, bob, "INBOX", nil, map[store.PushKey]store.PushRecord{{Hash: first.Hash}: refused}); err != nil {
		t.Fatal(err)
	}
	fs, err := a.Failures(ctx, p.ID)
	if err != nil || len(fs) != 1 {
		t.Fatalf("after a refusal: %+v, %v", fs, err)
	}
	f := fs[0]
	if f.Mailbox != bob || f.Folder != "INBOX" || f.DestFolder != "INBOX" || f.SourceUID != first.UID || f.Code != sync.CodeRejected ||
		f.Text != refused.Text || !f.Retryable || f.Size != first.Size || f.MessageID != first.MessageID || f.Subject == "" {
		t.Fatalf("the refusal is listed as %+v", f)
	}

	if _, _, err := a.SetMapping(ctx, p.ID, ann, sync.Override{Source: "Junk", Exclude: true}); err != nil {
		t.Fatal(err)
	}
	rep, err := a.Push(ctx, p.ID, nil, 2, nopSink{})
	if tot := rep.Totals(); err != nil || tot.Failed+tot.TooBig+tot.Unknown+tot.NotPushed != 0 || tot.Uploaded == 0 {
		t.Fatalf("push: %+v, %v", tot, err)
	}
	if fs, err := a.Failures(ctx, p.ID); err != nil || len(fs) != 0 {
		t.Fatalf("after the push: %+v, %v", fs, err)
	}
	counts, err = a.MailboxCounts(ctx, p.ID)
	if err != nil || len(counts) != 3 {
		t.Fatalf("counts: %+v, %v", counts, err)
	}
	for _, c := range counts {
		if c.Local == 0 || c.SourceMessages != c.Local || c.Failed != 0 || c.LocalBytes == 0 || !c.SourceComplete {
			t.Errorf("counts of %s: %+v", c.Mailbox, c)
		}
		if c.Pushed != c.Local-c.Excluded || (c.Mailbox == ann) != (c.Excluded > 0) {
			t.Errorf("pushed of %s: %+v", c.Mailbox, c)
		}
	}

	rec, err := a.Reconcile(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	fs, err = a.Failures(ctx, p.ID)
	if err != nil || len(fs) != rec.Totals().Skipped || len(fs) == 0 {
		t.Fatalf("after reconciling: %d failures, %d skipped, %v", len(fs), rec.Totals().Skipped, err)
	}
	for _, f := range fs {
		if f.Mailbox != ann || f.Folder != "Junk" || f.Code != sync.CodeExcluded || f.Retryable || f.Subject == "" || f.Size == 0 {
			t.Errorf("skipped message listed as %+v", f)
		}
	}
	last, ok, err := a.LastReconciliation(ctx, p.ID)
	if err != nil || !ok || last.Verdict() != rec.Verdict() {
		t.Fatalf("last reconciliation: %v %v %q", ok, err, last.Verdict())
	}

	// The journal's newer word wins. A reconciliation that found bob's
	// first INBOX message missing lists it while the journal's confirmation
	// is older than the reconciliation, and no longer once the message
	// was confirmed again after it.
	missing := last
	missing.At = last.At.Add(time.Millisecond)
	for i, m := range missing.Mailboxes {
		for j, f := range m.Folders {
			if m.Mailbox == bob && f.Dest == "INBOX" {
				missing.Mailboxes[i].Folders[j].Missing = []sync.Issue{{SourceUID: first.UID, Hash: first.Hash.String(), Size: first.Size, Code: sync.CodeNotPushed}}
			}
		}
	}
	raw, _ := json.Marshal(missing)
	if err := a.db.AddSnapshot(p.ID, SnapshotReconcileDetail, missing.At, raw); err != nil {
		t.Fatal(err)
	}
	listed := func() bool {
		t.Helper()
		fs, err := a.Failures(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Mailbox == bob && f.SourceUID == first.UID && f.Code == sync.CodeNotPushed {
				return true
			}
		}
		return false
	}
	if !listed() {
		t.Fatal("a message the last reconciliation found missing, confirmed only before it, is not listed")
	}
	again := store.PushRecord{State: store.PushDone, UID: 999, Size: first.Size, SourceUID: first.UID, At: missing.At.Add(time.Second)}
	if err := a.db.RecordPush(p.ID, bob, "INBOX", nil, map[store.PushKey]store.PushRecord{{Hash: first.Hash}: again}); err != nil {
		t.Fatal(err)
	}
	if listed() {
		t.Fatal("a message confirmed again after the reconciliation is still listed")
	}
}

// Ten thousand refused messages are listed, in UID order, quickly enough
// for the errors view (timing printed; the machine is shared).
func TestFailuresListsTenThousand(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	if err := a.db.AddMailboxes("acme", []store.NewMailbox{{Mailbox: store.Mailbox{Email: "ann@acme.test", SourceLogin: "ann"}}}); err != nil {
		t.Fatal(err)
	}
	const n = 10000
	recs := map[store.PushKey]store.PushRecord{}
	for i := range n {
		h := store.Hash(sha256.Sum256(fmt.Appendf(nil, "message %d", i)))
		recs[store.PushKey{Hash: h}] = store.PushRecord{State: store.PushFailed, Reason: sync.CodeOverQuota, Text: "NO [OVERQUOTA] mailbox full",
			Size: int64(1000 + i), SourceUID: uint32(n - i), At: time.Now().UTC()}
	}
	if err := a.db.RecordPush("acme", "ann@acme.test", "INBOX", nil, recs); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fs, err := a.Failures(ctx, "acme")
	took := time.Since(start)
	if err != nil || len(fs) != n {
		t.Fatalf("%d failures, %v", len(fs), err)
	}
	for i, f := range fs {
		if f.SourceUID != uint32(i+1) || f.Code != sync.CodeOverQuota || !f.Retryable || f.Subject != "" {
			t.Fatalf("failure %d: %+v", i, f)
		}
	}
	t.Logf("listed %d failures in %s (shared, loaded machine)", n, took)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Failures(cctx, "acme"); err == nil {
		t.Fatal("a cancelled listing returned no error")
	}
}
