package sync

import (
	"bytes"
	"io"
	gosync "sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// A run died with a window on its way: its intents are journalled, and the
// destination stores the window only after the next run has started (a
// server finishing a command whose bytes it has, then seeing the session
// gone). The next run waits SettleTime after those intents before it looks,
// finds the window and sends only the rest: every message once.
func TestPushWaitsForAnInterruptedUploadToLand(t *testing.T) {
	e := newPushEnv(t, styleSlash, styleDot, 1)
	states, err := e.db.FolderStates(e.box)
	if err != nil {
		t.Fatal(err)
	}
	var window []store.MessageRecord
	e.db.ForEachMessage(e.box, "INBOX", states["INBOX"].UIDValidity, func(m store.MessageRecord) error {
		if len(window) < 5 {
			window = append(window, m)
		}
		return nil
	})
	if len(window) != 5 {
		t.Fatalf("set-up: %d messages in INBOX", len(window))
	}
	c := e.dst.Dial(t, testenv.DefaultUser)
	st, err := c.Status("INBOX", &imap.StatusOptions{UIDValidity: true, UIDNext: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	intents := map[store.PushKey]store.PushRecord{}
	for _, m := range window {
		intents[store.PushKey{Hash: m.Hash}] = store.PushRecord{State: store.PushIntent, UIDValidity: st.UIDValidity, UIDNext: uint32(st.UIDNext),
			Size: m.Size, MessageID: m.MessageID, SourceUID: m.UID, At: time.Now().UTC()}
	}
	if err := e.db.RecordPush("p", testenv.DefaultUser, "INBOX", nil, intents); err != nil {
		t.Fatal(err)
	}
	// The server stores the window 400 ms into the next run.
	const late = 400 * time.Millisecond
	landed := make(chan error, 1)
	go func() {
		time.Sleep(late)
		for _, m := range window {
			rc, err := e.db.OpenMessage(m.Hash)
			if err != nil {
				landed <- err
				return
			}
			var body bytes.Buffer
			io.Copy(&body, rc)
			rc.Close()
			var flags []imap.Flag
			for _, f := range m.Flags {
				flags = append(flags, imap.Flag(f))
			}
			cmd := c.Append("INBOX", int64(body.Len()), &imap.AppendOptions{Flags: flags, Time: m.InternalDate})
			cmd.Write(body.Bytes())
			cmd.Close()
			if _, err := cmd.Wait(); err != nil {
				landed <- err
				return
			}
		}
		landed <- nil
	}()
	waits := &waitLog{}
	start := time.Now()
	rep := e.push(t, PushOptions{Window: 9, SettleTime: 2 * time.Second, Progress: waits}, nil)
	if err := <-landed; err != nil {
		t.Fatal(err)
	}
	tot := rep.Totals()
	if rep.Exceptions() || tot.Found != 5 || tot.Uploaded != 93 {
		t.Fatalf("after the interrupted window: %s", rep.Summary())
	}
	if n := e.assertDestMatchesSource(t); n != 98 {
		t.Fatalf("%d compared", n)
	}
	if took := time.Since(start); took < 1500*time.Millisecond {
		t.Errorf("the push took %v: it did not wait for the intents to settle", took)
	}
	if waits.count() == 0 {
		t.Error("the wait was not reported")
	}
	// Once the folder is complete, the next run does not wait.
	start = time.Now()
	again := e.push(t, PushOptions{SettleTime: time.Minute}, nil)
	if tot := again.Totals(); tot.Uploaded+tot.Found != 0 || time.Since(start) > 20*time.Second {
		t.Fatalf("re-run: %s in %v", again.Summary(), time.Since(start))
	}
}

// waitLog keeps the Waiting reports.
type waitLog struct {
	NoProgress
	mu  gosync.Mutex
	out []string
}

func (w *waitLog) Waiting(_, why string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out = append(w.out, why)
}

func (w *waitLog) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.out)
}
