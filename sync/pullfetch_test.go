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
	db := tempStore(t)
	var trace traceLog
	var commits commitCounter
	ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
	ep.Trace = trace.add
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, Endpoint: ep}},
		PullOptions{BatchSize: 10, MaxConnections: 1, Progress: &commits})
	if err != nil || rep.Mailboxes[0].Err != "" {
		t.Fatalf("pull: %v %s", err, rep.Mailboxes[0].Err)
	}
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
