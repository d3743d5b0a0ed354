package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"mailshift/store"
)

var throttleBox = store.BoxKey{ProjectID: "p", MailboxID: "alice"}

func pullThrottled(t *testing.T, ctx context.Context, ep Endpoint, opts PullOptions) (Report, error, *store.DB, *eventLog) {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	events, _ := opts.Progress.(*eventLog)
	if events == nil {
		events = &eventLog{}
		opts.Progress = events
	}
	rep, err := Pull(ctx, db, []PullMailbox{{Box: throttleBox, Endpoint: ep}}, opts)
	return rep, err, db, events
}

// assertStoredOnce checks the store holds every message of the server
// exactly once under the folder's UIDVALIDITY and UIDs now, byte for byte,
// that verification passes, and that the server sent every body exactly
// once (nothing fetched twice).
func assertStoredOnce(t *testing.T, db *store.DB, srv *throttleServer, rep Report) {
	t.Helper()
	seen := map[uint32]int{}
	uidv, off := srv.view()
	err := db.ForEachMessage(throttleBox, "INBOX", uidv, func(m store.MessageRecord) error {
		m.UID -= off
		seen[m.UID]++
		rc, err := db.OpenMessage(m.Hash)
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		if want := srv.bodies[m.UID]; !bytes.Equal(got, []byte(want)) || m.Hash != sha256.Sum256([]byte(want)) {
			t.Errorf("uid %d: stored bytes differ from the server's", m.UID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, sent := srv.snapshot()
	for u := range srv.bodies {
		if seen[u] != 1 || sent[u] != 1 {
			t.Errorf("uid %d: stored %d times, its body sent %d times", u, seen[u], sent[u])
		}
	}
	if f := folderReport(rep, "INBOX"); f.Stored != len(srv.bodies) || f.Failed != 0 || f.Vanished != 0 {
		t.Errorf("report %+v", f)
	}
	v, err := VerifyOffline(context.Background(), db, "p", nil)
	if err != nil || !v.OK() {
		t.Fatalf("verify: %s %v", v.Verdict(), err)
	}
	if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 {
		t.Fatalf("store check: %+v %v", res.Problems, err)
	}
}

// reconnectAfter returns how long after the first throttle the next
// session began, and that session's commands.
func reconnectAfter(t *testing.T, srv *throttleServer) (time.Duration, []string) {
	t.Helper()
	accepted, thrown, sessions, _ := srv.snapshot()
	if len(thrown) == 0 {
		t.Fatal("the server never throttled: the test proves nothing")
	}
	for i, at := range accepted {
		if at.After(thrown[0]) {
			return at.Sub(thrown[0]), sessions[i]
		}
	}
	t.Fatal("no session after the throttle")
	return 0, nil
}

// A BYE sent mid-FETCH with a suggested wait: the messages sent before it
// are kept, the next connection is made no earlier than the wait (the
// configured backoff is far shorter), the folder is opened and its
// UIDVALIDITY checked again, and the rest is fetched: every message stored
// once, none fetched twice, and the store verifies.
func TestMidSessionByeSuggestedWaitIsHonoured(t *testing.T) {
	srv := newThrottleServer(40)
	srv.throttleAfter, srv.faults = 15, 1
	srv.bye = "* BYE [UNAVAILABLE] Too many requests, retry in 2 seconds"
	rep, err, db, events := pullThrottled(t, context.Background(), srv.start(t), PullOptions{Backoff: 10 * time.Millisecond})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	gap, next := reconnectAfter(t, srv)
	if gap < 2*time.Second {
		t.Fatalf("reconnected %v after the BYE, before the suggested 2 s", gap)
	}
	if got := strings.Join(next, " "); !strings.Contains(got, "EXAMINE") || strings.Index(got, "EXAMINE") > strings.Index(got, "UID FETCH") {
		t.Fatalf("the session after the BYE did not re-open the folder before fetching: %s", got)
	}
	if log := events.all(); !strings.Contains(log, "Too many requests, retry in 2 seconds") || !strings.Contains(log, "trying again in 2s") {
		t.Fatalf("the BYE's words and wait are not reported:\n%s", log)
	}
	assertStoredOnce(t, db, srv, rep)
}

// Throttling does not use up the retry budget: with one retry allowed, an
// Exchange-style BYE and then two tagged NO [UNAVAILABLE] refusals (which
// fetch nothing, so they are not progress), each suggesting a wait, are
// all waited out and the pull completes.
func TestThrottlingIsNotCountedAsFailure(t *testing.T) {
	srv := newThrottleServer(12)
	srv.throttleAfter, srv.faults = 4, 3
	srv.bye = "* BYE Server busy, try again in 1 seconds"
	ep := srv.start(t)
	// The second throttle is a NO: switch once the BYE was sent.
	events := &eventLog{}
	events.onWaiting = func() {
		srv.mu.Lock()
		srv.no = "NO [UNAVAILABLE] Server busy, try again in 1 seconds"
		srv.mu.Unlock()
	}
	rep, err, db, _ := pullThrottled(t, context.Background(), ep, PullOptions{Backoff: 10 * time.Millisecond, Retries: 1, Progress: events})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s\n%s", err, rep.Summary(), events.all())
	}
	_, thrown, _, _ := srv.snapshot()
	if len(thrown) != 3 || thrown[1].Sub(thrown[0]) < time.Second || thrown[2].Sub(thrown[1]) < time.Second {
		t.Fatalf("throttles at %v: want three, a suggested second apart", thrown)
	}
	if log := events.all(); !strings.Contains(log, "Server busy, try again in 1 seconds") || strings.Count(log, "trying again in 1s") != 3 {
		t.Fatalf("events:\n%s", log)
	}
	assertStoredOnce(t, db, srv, rep)
}

// A suggested wait is capped (MaxThrottleWait), and a cancel during the
// wait ends the pull at once, with what was fetched before the BYE kept.
func TestThrottleWaitIsCappedAndCancellable(t *testing.T) {
	srv := newThrottleServer(20)
	srv.throttleAfter, srv.faults = 5, 1
	srv.bye = "* BYE [UNAVAILABLE] Throttled, retry in 30 minutes"
	rep, err, db, events := pullThrottled(t, context.Background(), srv.start(t), PullOptions{Backoff: 10 * time.Millisecond, MaxThrottleWait: time.Second})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	if gap, _ := reconnectAfter(t, srv); gap < time.Second || gap > time.Minute {
		t.Fatalf("reconnected %v after the BYE: want the 1 s cap", gap)
	}
	if !strings.Contains(events.all(), "trying again in 1s") {
		t.Fatalf("events:\n%s", events.all())
	}
	assertStoredOnce(t, db, srv, rep)

	srv = newThrottleServer(20)
	srv.throttleAfter, srv.faults = 5, 1
	srv.bye = "* BYE [UNAVAILABLE] Throttled, retry in 30 minutes"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled time.Time
	events = &eventLog{onWaiting: func() { cancelled = time.Now(); cancel() }}
	rep, err, db, _ = pullThrottled(t, ctx, srv.start(t), PullOptions{Backoff: 10 * time.Millisecond, Progress: events})
	ended := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("pull after cancel: %v %s", err, rep.Summary())
	}
	if d := ended.Sub(cancelled); d > 3*time.Second {
		t.Fatalf("the pull went on %v after the cancel", d)
	}
	if accepted, _, _, _ := srv.snapshot(); len(accepted) != 1 {
		t.Fatalf("%d sessions: reconnected despite the cancel", len(accepted))
	}
	n := 0
	db.ForEachMessage(throttleBox, "INBOX", 7, func(store.MessageRecord) error { n++; return nil })
	if n != 5 {
		t.Fatalf("%d messages kept of the 5 sent before the BYE", n)
	}
}

// With several connections on one folder, a BYE that ends a helper's
// session holds off every new connection of the mailbox for the suggested
// wait (no helper replaces it at once), while the connections the server
// kept go on; the pull then completes with every message stored once.
func TestThrottleHoldsOffEveryNewConnection(t *testing.T) {
	srv := newThrottleServer(200)
	// Throttle once all three connections are open: no dial can then be
	// under way when the BYE is sent, so any later one came after it.
	srv.throttleAfter, srv.faults, srv.afterSessions, srv.spareFirst = 2, 1, 3, true
	srv.bye = "* BYE [UNAVAILABLE] Server busy, retry in 2 seconds"
	rep, err, db, _ := pullThrottled(t, context.Background(), srv.start(t), PullOptions{Backoff: 10 * time.Millisecond, BatchSize: 5, MaxConnections: 3})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	accepted, thrown, _, _ := srv.snapshot()
	if len(thrown) != 1 {
		t.Fatalf("%d throttles", len(thrown))
	}
	before, after := 0, 0
	for _, at := range accepted {
		gap := at.Sub(thrown[0])
		switch {
		case gap < 0:
			before++
		case gap < 2*time.Second:
			t.Fatalf("a connection made %v after the BYE, inside the suggested 2 s", gap)
		default:
			after++
		}
	}
	if before < 2 {
		t.Fatalf("only %d connection(s) before the BYE: the test proves nothing about helpers", before)
	}
	t.Logf("%d connections before the BYE, %d after the wait", before, after)
	assertStoredOnce(t, db, srv, rep)
}

// The folder is renumbered while the session is down (a new UIDVALIDITY,
// every UID moved): after the wait the pull notices on re-opening it,
// keeps the old map aside, recognises the messages fetched before the BYE
// by their metadata without fetching them again, and fetches only the
// rest.
func TestByeThenRenumberedFolderIsRematched(t *testing.T) {
	srv := newThrottleServer(30)
	srv.throttleAfter, srv.faults, srv.renumber = 12, 1, true
	srv.bye = "* BYE [UNAVAILABLE] Maintenance, try again in 1 seconds"
	rep, err, db, _ := pullThrottled(t, context.Background(), srv.start(t), PullOptions{Backoff: 10 * time.Millisecond})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	if gap, _ := reconnectAfter(t, srv); gap < time.Second {
		t.Fatalf("reconnected %v after the BYE, before the suggested 1 s", gap)
	}
	f := folderReport(rep, "INBOX")
	if !f.UIDValidityChanged || f.Rematched != 12 {
		t.Fatalf("report %+v: want the UIDVALIDITY change noticed and 12 re-matched", f)
	}
	if uidv, _ := srv.view(); uidv != 8 {
		t.Fatal("the server was not renumbered: the test proves nothing")
	}
	assertStoredOnce(t, db, srv, rep)
}

// A refusal with the UNAVAILABLE code and no suggested wait is throttling
// too: backed off (doubling), not counted against the retry budget.
func TestUnavailableWithoutWaitIsNotAFailure(t *testing.T) {
	srv := newThrottleServer(8)
	srv.faults, srv.no = 3, "NO [UNAVAILABLE] Server busy"
	rep, err, db, events := pullThrottled(t, context.Background(), srv.start(t), PullOptions{Backoff: 10 * time.Millisecond, Retries: 1})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s\n%s", err, rep.Summary(), events.all())
	}
	if _, thrown, _, _ := srv.snapshot(); len(thrown) != 3 {
		t.Fatalf("%d refusals, want 3", len(thrown))
	}
	assertStoredOnce(t, db, srv, rep)
}
