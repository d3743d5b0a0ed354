package sync

import (
	"context"
	"strings"
	gosync "sync"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// commitCounter records the size of every group commit (Stored event).
type commitCounter struct {
	NoProgress
	mu      gosync.Mutex
	commits []int
}

func (c *commitCounter) Stored(_ string, n int, _ int64) {
	c.mu.Lock()
	c.commits = append(c.commits, n)
	c.mu.Unlock()
}

// A range is one FETCH however many group commits it takes: a server pays
// for every FETCH command (Dovecot more the larger the folder), so
// 120 messages in two ranges are asked in two FETCHes, and still made
// durable and indexed every 10 messages as they stream in, every one
// stored byte for byte.
func TestARangeIsOneFetchCommittedInGroups(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	msgs := testenv.SimpleMessages(120, "ranges")
	d.Load(t, testenv.DefaultUser, "INBOX", msgs)
	src := snapshot(t, d, testenv.DefaultUser)
	var commits commitCounter
	db, trace := tracedPull(t, d, &commits)
	fetches := 0
	for _, line := range strings.Split(trace.all(), "\n") {
		if strings.Contains(line, "FETCH") && strings.Contains(line, "BODY.PEEK[]") {
			fetches++
		}
	}
	if want := 120 / chunkSize(120, 120, 1, 10); fetches != want {
		t.Errorf("%d FETCHes of bodies, want one per range: %d\n%s", fetches, want, trace.all())
	}
	total := 0
	for _, n := range commits.commits {
		if n > 10 {
			t.Errorf("a group commit of %d messages, BatchSize is 10: %v", n, commits.commits)
		}
		total += n
	}
	if total != 120 || len(commits.commits) < 12 {
		t.Errorf("commits %v: want at least 12 adding up to 120", commits.commits)
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 120 {
		t.Fatalf("%d of 120 messages stored byte for byte", n)
	}
}

// Ranges are sized on the whole mailbox and the largest folder goes first:
// with one connection and 83 messages to bring, ranges hold up to 41, so
// the 60-message folder is two FETCHes and the 20- and 3-message folders
// one each (cut folder by folder they would be two, two and one), and the
// folders are opened largest first. Every message is still stored.
func TestRangesAreSizedOnTheMailboxLargestFolderFirst(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	for _, f := range []struct {
		name string
		n    int
	}{{"Small", 3}, {"Big", 60}, {"Middle", 20}} {
		d.MustDoveadm(t, "mailbox", "create", "-u", testenv.DefaultUser, f.name)
		d.Load(t, testenv.DefaultUser, f.name, testenv.SimpleMessages(f.n, f.name))
	}
	src := snapshot(t, d, testenv.DefaultUser)
	var events eventLog
	db, trace := tracedPull(t, d, &events)
	fetches := map[string]int{}
	folder := ""
	for _, line := range strings.Split(trace.all(), "\n") {
		if strings.Contains(line, "EXAMINE") || strings.Contains(line, "SELECT") {
			folder = line
		}
		if strings.Contains(line, "FETCH") && strings.Contains(line, "BODY.PEEK[]") {
			for _, name := range []string{"Small", "Big", "Middle"} {
				if strings.Contains(folder, name) {
					fetches[name]++
				}
			}
		}
	}
	if fetches["Big"] != 2 || fetches["Middle"] != 1 || fetches["Small"] != 1 {
		t.Errorf("FETCHes of bodies per folder %v, want Big 2, Middle 1, Small 1\n%s", fetches, trace.all())
	}
	var order []string
	for _, line := range strings.Split(events.all(), "\n") {
		if name, ok := strings.CutPrefix(line, "folder "+testenv.DefaultUser+" "); ok && name != "INBOX" { // empty: last
			order = append(order, name)
		}
	}
	if strings.Join(order, ",") != "Big,Middle,Small" {
		t.Errorf("folders opened in the order %v, want the largest first: Big, Middle, Small", order)
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 83 {
		t.Fatalf("%d of 83 messages stored byte for byte", n)
	}
}

// tracedPull pulls d's mailbox into a new store on one connection, in
// group commits of 10, and returns the store and the commands sent.
func tracedPull(t *testing.T, d *testenv.Dovecot, progress Progress) (*store.DB, *traceLog) {
	t.Helper()
	db := tempStore(t)
	trace := &traceLog{}
	ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
	ep.Trace = trace.add
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, Endpoint: ep}},
		PullOptions{BatchSize: 10, MaxConnections: 1, Progress: progress})
	if err != nil || rep.Mailboxes[0].Err != "" {
		t.Fatalf("pull: %v %s", err, rep.Mailboxes[0].Err)
	}
	return db, trace
}
