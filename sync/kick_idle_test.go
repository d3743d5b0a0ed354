package sync

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// RELIABILITY scenario 19: the server ends sessions under the pull (here
// `doveadm kick`, which is what an idle timeout or an administrator does:
// a BYE, then the socket closes), the busy one and the ones idle in the
// pool alike. The pull reconnects, re-selects, re-checks UIDVALIDITY and
// finishes with every message stored once.
func TestPullGoesOnWhenTheServerEndsItsSessions(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{Users: map[string]string{"alice": canaryPassword}})
	for _, f := range []string{"INBOX", "Archive", "Sent"} {
		d.Load(t, "alice", f, testenv.SimpleMessages(150, f))
	}
	src := snapshot(t, d, "alice")
	db := tempStore(t)
	var events eventLog
	kicked := make(chan string, 1)
	// The kick runs on the committer, which holds the pull up while it
	// runs: the pull cannot finish first, so the kick always finds its
	// sessions (run beside the pull, a fast pull of small messages was
	// sometimes done before doveadm started).
	events.onStored = func() {
		out, err := d.Doveadm("kick", "alice")
		kicked <- out + errString(err)
	}
	ep := endpointFor(d, d.Addr, store.SecurityPlain, "alice")
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: "alice"}, Endpoint: ep}},
		PullOptions{BatchSize: 10, MaxConnections: 2, Backoff: 5 * time.Millisecond, Progress: &events})
	if err != nil || rep.Mailboxes[0].Err != "" {
		t.Fatalf("pull: %v %s", err, rep.Mailboxes[0].Err)
	}
	select {
	case out := <-kicked:
		if !strings.Contains(out, "alice") {
			t.Fatalf("doveadm kick did not kick: %s", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the kick never ran")
	}
	if !strings.Contains(events.all(), "waiting") {
		t.Fatalf("no reconnect was reported: the kick did not bite\n%s", events.all())
	}
	for _, l := range strings.Split(events.all(), "\n") {
		if strings.HasPrefix(l, "waiting") {
			t.Log(l)
		}
	}
	if n := compareStore(t, db, "alice", src); n != 450 {
		t.Fatalf("compared %d messages, want 450", n)
	}
	if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 {
		t.Fatalf("store check: %+v %v", res.Problems, err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}
