package sync

import (
	"bytes"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// A push of N messages (3,000; MAILSHIFT_PUSH_PERF_N for more) between two
// Dovecots, then the no-change re-run: it must send no APPEND, fetch no
// body and finish within 2 s (the target for 10,000 messages).
// The figures are logged.
func TestPushRateAndNoChangeRerun(t *testing.T) {
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("MAILSHIFT_PUSH_PERF_N")); err == nil && v > 0 {
		n = v
	}
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	folders := []string{"INBOX", "Archive/2023", "Archive/2024", "Projects/Big", "Sent"}
	var total int64
	for fi, f := range folders {
		var msgs []testenv.Message
		for i := fi; i < n; i += len(folders) {
			raw := testenv.SimpleMessage(i, f)
			if i%40 == 0 {
				raw = append(raw, bytes.Repeat([]byte("attachment line of base64-ish text\r\n"), 1500)...)
			}
			total += int64(len(raw))
			msgs = append(msgs, testenv.Message{Raw: raw, Flags: []imap.Flag{imap.FlagSeen}, Date: time.Date(2024, 3, 1+i%28, 9, 0, 0, 0, time.UTC)})
		}
		if err := e.src.LoadMaildir(testenv.DefaultUser, f, msgs); err != nil {
			t.Fatal(err)
		}
	}
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)

	start := time.Now()
	rep := e.push(t, PushOptions{}, nil)
	first := time.Since(start)
	if rep.Exceptions() || rep.Totals().Uploaded != n {
		t.Fatalf("push: %s", rep.Summary())
	}
	trace := &traceLog{}
	start = time.Now()
	again := e.push(t, PushOptions{}, trace)
	rerun := time.Since(start)
	if again.Totals().Uploaded != 0 || countLines(trace.all(), "APPEND") != 0 || countLines(trace.all(), "BODY") != 0 {
		t.Fatalf("re-run: %s", again.Summary())
	}
	if rerun > 2*time.Second {
		t.Fatalf("no-change re-run of %d messages took %v (target: under 2 s)", n, rerun)
	}
	t.Logf("push of %d messages (%.1f MB): %v, %.0f msg/s, %.1f MB/s; no-change re-run %v with %d STATUS, 0 APPEND",
		n, float64(total)/1e6, first.Round(time.Millisecond), float64(n)/first.Seconds(), float64(total)/1e6/first.Seconds(),
		rerun.Round(time.Millisecond), countLines(trace.all(), "STATUS"))
}
