package sync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// Cancelling the context (Pause/Stop, Ctrl-C) stops the pull promptly with
// what was committed kept and a report; the next pull resumes and
// completes without fetching anything twice.
func TestCancelledPullResumesCleanly(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	loadMixed(t, d, testenv.DefaultUser, 200)
	src := snapshot(t, d, testenv.DefaultUser)
	db := tempStore(t)
	boxes := []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, Endpoint: endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)}}
	ctx, cancel := context.WithCancel(context.Background())
	events := eventLog{onStored: cancel}
	start := time.Now()
	rep, err := Pull(ctx, db, boxes, PullOptions{BatchSize: 10, MaxConnections: 2, Progress: &events})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Fatalf("cancelled pull: %v after %v", err, time.Since(start))
	}
	first, _, _, _, _ := rep.Counts()
	if first == 0 || first >= 300 {
		t.Fatalf("the cancelled pull stored %d of 300", first)
	}
	if !rep.Interrupted || !strings.Contains(rep.Summary(), ": interrupted; run it again") {
		t.Fatalf("the cancelled pull's report: %s", rep.Summary())
	}
	if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 || res.Records < first {
		t.Fatalf("store after cancel: %+v %v", res, err)
	}
	rep, err = Pull(context.Background(), db, boxes, PullOptions{})
	if err != nil || rep.Exceptions() || rep.Interrupted {
		t.Fatalf("resume: %v %s", err, rep.Summary())
	}
	second, _, _, _, _ := rep.Counts()
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 300 || first+second != 300 {
		t.Fatalf("compared %d; stored %d then %d (want 300 in all, none twice)", n, first, second)
	}
}
