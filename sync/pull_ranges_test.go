package sync

import (
	"context"
	"errors"
	"net"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// connCounter wraps an endpoint's dialer and records the most
// connections open at once.
type connCounter struct {
	open, peak atomic.Int32
}

type countedConn struct {
	net.Conn
	cc   *connCounter
	once gosync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.cc.open.Add(-1) })
	return c.Conn.Close()
}

func (cc *connCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	n := cc.open.Add(1)
	for p := cc.peak.Load(); n > p && !cc.peak.CompareAndSwap(p, n); p = cc.peak.Load() {
	}
	return &countedConn{Conn: c, cc: cc}, nil
}

// A single large folder is fetched over several connections at once (its
// UID ranges shared out), never more than MaxConnections; the result is
// byte-exact, the folder's high-water mark ends past every UID and a
// no-change delta fetches nothing.
func TestLargeFolderRangesUseSeveralConnections(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	loadMixed(t, d, testenv.DefaultUser, 400) // INBOX 400, Archive/Old 200
	src := snapshot(t, d, testenv.DefaultUser)
	db := tempStore(t)
	var trace traceLog
	var cc connCounter
	ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
	ep.Trace, ep.Dial = trace.add, cc.dial
	box := store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: box, Endpoint: ep}}, PullOptions{BatchSize: 10, MaxConnections: 3})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 600 {
		t.Fatalf("compared %d of 600", n)
	}
	if got := strings.Count(strings.ToUpper(trace.all()), `EXAMINE INBOX`); got < 2 {
		t.Fatalf("INBOX was opened on %d connection(s): its ranges were not shared out", got)
	}
	if p := cc.peak.Load(); p > 3 || p < 2 {
		t.Fatalf("at most %d connections were open at once, want 2..3 (the cap is 3)", p)
	}
	states, _ := db.FolderStates(box)
	if st := states["INBOX"]; st.HighWater < 401 || st.Inventory.UIDNext != 401 {
		t.Fatalf("INBOX state after the pull: %+v", st)
	}
	if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 || res.Records != 600 {
		t.Fatalf("store check: %+v %v", res, err)
	}
	rep, err = Pull(context.Background(), db, []PullMailbox{{Box: box, Endpoint: ep}}, PullOptions{BatchSize: 10, MaxConnections: 3})
	if s, _, _, _, _ := rep.Counts(); err != nil || s != 0 {
		t.Fatalf("no-change delta stored %d: %v", s, err)
	}
}

// Several mailboxes of one server share its connection cap: never more
// open at once than the cap, every mailbox copied whole.
func TestMailboxesShareTheServersConnectionCap(t *testing.T) {
	users := map[string]string{"ann": "pw-ann", "bob": "pw-bob", "cat": "pw-cat"}
	d := testenv.StartDovecot(t, testenv.DovecotOptions{Users: users})
	var mbs []PullMailbox
	var cc connCounter
	src := map[string]map[string]map[uint32]srcMsg{}
	for user := range users {
		loadMixed(t, d, user, 60)
		src[user] = snapshot(t, d, user)
		ep := endpointFor(d, d.Addr, store.SecurityPlain, user)
		ep.Dial = cc.dial
		mbs = append(mbs, PullMailbox{Box: store.BoxKey{ProjectID: "p", MailboxID: user}, Endpoint: ep})
	}
	db := tempStore(t)
	rep, err := Pull(context.Background(), db, mbs, PullOptions{BatchSize: 10, MaxConnections: 2})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	for user := range users {
		if n := compareStore(t, db, user, src[user]); n != 90 {
			t.Fatalf("%s: compared %d of 90", user, n)
		}
	}
	if p := cc.peak.Load(); p != 2 {
		t.Fatalf("at most %d connections were open at once, want 2 (the cap, with three mailboxes to copy)", p)
	}
}

// Cancelled while several connections share a folder's ranges, then
// resumed: every message is stored exactly once (ranges finished past the
// high-water mark are not fetched again) and the store is consistent.
func TestCancelledRangedPullResumesWithoutRefetching(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	loadMixed(t, d, testenv.DefaultUser, 400)
	src := snapshot(t, d, testenv.DefaultUser)
	db := tempStore(t)
	box := store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	boxes := []PullMailbox{{Box: box, Endpoint: endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)}}
	ctx, cancel := context.WithCancel(context.Background())
	var stored atomic.Int32
	events := countStored{n: &stored, at: 25, cancel: cancel}
	rep, err := Pull(ctx, db, boxes, PullOptions{BatchSize: 5, MaxConnections: 4, Progress: &events})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pull: %v", err)
	}
	first, _, _, _, _ := rep.Counts()
	if first == 0 || first >= 600 {
		t.Fatalf("the cancelled pull stored %d of 600", first)
	}
	rep, err = Pull(context.Background(), db, boxes, PullOptions{BatchSize: 5, MaxConnections: 4})
	if err != nil || rep.Exceptions() {
		t.Fatalf("resume: %v %s", err, rep.Summary())
	}
	second, _, _, _, _ := rep.Counts()
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 600 || first+second != 600 {
		t.Fatalf("compared %d; stored %d then %d (want 600 in all, none twice)", n, first, second)
	}
	if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 || res.Records != 600 {
		t.Fatalf("store check: %+v %v", res, err)
	}
}

// countStored cancels the run once at batches have been committed.
type countStored struct {
	NoProgress
	n      *atomic.Int32
	at     int32
	cancel func()
}

func (c *countStored) Stored(string, int, int64) {
	if c.n.Add(1) == c.at {
		c.cancel()
	}
}

// The high-water mark covers only the prefix of ranges dealt with, and
// stops at a message that could not be stored.
func TestRangeHighWaterIsThePrefixDealtWith(t *testing.T) {
	f := &folderFetch{base: 10, chunks: []chunkRange{{lo: 10, hi: 19}, {lo: 20, hi: 29}, {lo: 30, hi: 39}}}
	if hw := f.highWater(); hw != 10 {
		t.Fatalf("nothing done: %d", hw)
	}
	f.chunks[1].done = true // a later range first: the mark stays
	if hw := f.highWater(); hw != 10 {
		t.Fatalf("only range 2 done: %d", hw)
	}
	f.chunks[0].upTo = 14
	if hw := f.highWater(); hw != 15 {
		t.Fatalf("range 1 up to 14: %d", hw)
	}
	f.chunks[0].done = true
	if hw := f.highWater(); hw != 30 {
		t.Fatalf("ranges 1 and 2 done: %d", hw)
	}
	f.firstFailed = 23
	if hw := f.highWater(); hw != 23 {
		t.Fatalf("uid 23 failed: %d", hw)
	}
	if n := chunkSize(40000, 40000, 4, 500); n != 5000 {
		t.Fatalf("chunk of a folder that is the whole mailbox: %d, want two ranges per connection", n)
	}
	if n := chunkSize(15000, 100000, 4, 500); n != 12500 {
		t.Fatalf("chunk of a folder in a 100,000-message mailbox: %d, want a share of the mailbox's", n)
	}
	if n := chunkSize(4000000, 4000000, 4, 500); n != 50000 {
		t.Fatalf("chunk of a 4,000,000-message folder (the cap, 100 group commits): %d", n)
	}
	if n := chunkSize(30, 30, 4, 500); n != 500 {
		t.Fatalf("chunk of a small folder: %d", n)
	}
}

// A batch the index refuses leaves the range tracker as it was, so no
// later commit writes a high-water mark past messages never indexed.
func TestFailedRangeCommitLeavesTheMarkAlone(t *testing.T) {
	db := tempStore(t)
	r := &run{db: db, ix: newIndexWriter(db), opts: PullOptions{MaxConnections: 2, BatchSize: 2}}
	defer r.ix.close()
	box := store.BoxKey{ProjectID: "p", MailboxID: "m"}
	var rep FolderReport
	f := newFolderFetch(r, box,
		store.FolderState{Name: "INBOX", UIDValidity: 7, HighWater: 1}, []uint32{1, 2, 3, 4}, 4, &rep, nil)
	bad := pendingBatch{chunk: 0, upTo: 2, done: true, batch: store.PulledBatch{Box: box,
		Messages: []store.MessageRecord{{UIDValidity: 7, UID: 1}}}} // no bytes stored for it
	if err := f.commit(bad); err == nil {
		t.Fatal("a record without bytes was indexed")
	}
	if f.chunks[0].done || f.chunks[0].upTo != 0 || f.highWater() != 1 || rep.Stored != 0 {
		t.Fatalf("after a failed commit: %+v, mark %d, stored %d", f.chunks, f.highWater(), rep.Stored)
	}
	if err := f.commit(pendingBatch{chunk: 0, upTo: 2, done: true, batch: store.PulledBatch{Box: box,
		Vanished: map[uint32]string{1: "gone", 2: "gone"}}}); err != nil {
		t.Fatal(err)
	}
	if states, _ := db.FolderStates(box); states["INBOX"].HighWater != 3 || rep.Vanished != 2 {
		t.Fatalf("after a good commit: %+v, %+v", states["INBOX"], rep)
	}
}
