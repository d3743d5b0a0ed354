package sync

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// A server that allows fewer connections than asked for: the pull backs
// off, continues with fewer, and nothing is counted as failed.
func TestTooManyConnectionsMeansFewerNotFailed(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{MaxUserIPConnections: 2})
	for _, folder := range []string{"INBOX", "Archive/A", "Archive/B", "Archive/C"} {
		msgs := testenv.SimpleMessages(40, folder)
		if err := d.LoadMaildir(testenv.DefaultUser, folder, msgs); err != nil {
			t.Fatal(err)
		}
	}
	src := snapshot(t, d, testenv.DefaultUser)
	db := tempStore(t)
	var events eventLog
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser},
		Endpoint: endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)}},
		PullOptions{MaxConnections: 6, BatchSize: 10, Backoff: 5 * time.Millisecond, Progress: &events})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	if !strings.Contains(events.all(), "one fewer") {
		t.Fatalf("the connection limit was never met:\n%s", events.all())
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 160 {
		t.Fatalf("compared %d", n)
	}
}
