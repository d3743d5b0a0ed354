package sync

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// copyEnv is a source whose "Big" folder comes through a slow link (its
// pull takes seconds) and whose small folders come at once, a destination
// of the other separator style, and an empty store.
func copyEnv(t *testing.T) (e *pushEnv, src Endpoint) {
	t.Helper()
	e = &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	var big []testenv.Message
	for i := 0; i < 40; i++ { // about 40 KB each, 1.6 MB in all
		pad := strings.Repeat(fmt.Sprintf("%04d a line of the big folder's attachment\r\n", i), 800)
		big = append(big, testenv.Message{Raw: append(testenv.SimpleMessage(i, "big"), pad...)})
	}
	e.src.Load(t, testenv.DefaultUser, "Big", big)
	for _, folder := range []string{"INBOX", "Sent", "Projects/2026"} {
		var small []testenv.Message
		for i := 0; i < 5; i++ {
			small = append(small, testenv.Message{Raw: testenv.SimpleMessage(i, folder), Flags: []imap.Flag{imap.FlagSeen}})
		}
		e.src.Load(t, testenv.DefaultUser, folder, small)
	}
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	proxy, port := startProxy(t, e.src.Addr)
	addToxic(t, proxy, `{"type":"bandwidth","stream":"downstream","attributes":{"rate":512}}`) // KB/s per connection
	return e, endpointFor(e.src, fmt.Sprintf("127.0.0.1:%d", port), store.SecurityPlain, testenv.DefaultUser)
}

// Copy pushes each folder once the pull has finished it, and not before:
// the small folders reach the destination while the big one is still
// being pulled, the big one only after its pull, and in the end the
// destination holds every message once, with its bytes, flags and date.
// A second Copy sends nothing.
func TestCopyPushesEachFolderOnceItsPullFinished(t *testing.T) {
	e, src := copyEnv(t)
	log := &traceLog{}
	follow := NewFollow()
	follow.trace = log.add
	pushEvents := &prefixedLog{log: log, prefix: "push "}
	mbs := []CopyMailbox{{Box: e.box, Source: src, Dest: e.dstEndpoint()}}
	prep, qrep, err := copyFollowing(context.Background(), e.db, mbs, PullOptions{}, PushOptions{Progress: pushEvents}, follow)
	if err != nil || prep.Exceptions() || qrep.Exceptions() {
		t.Fatalf("copy: %v\npull: %s\npush: %s", err, prep.Summary(), qrep.Summary())
	}
	if n := e.assertDestMatchesSource(t); n != 55 {
		t.Fatalf("%d messages compared, want 55", n)
	}
	lines := strings.Split(log.all(), "\n")
	at := func(line string) int {
		for i, l := range lines {
			if l == line {
				return i
			}
		}
		t.Fatalf("no %q in:\n%s", line, log.all())
		return -1
	}
	bigPulled := at("pulled alice Big")
	for _, folder := range []string{"INBOX", "Sent", "Projects/2026", "Big"} {
		if pushed := at("push folder alice " + folder); pushed < at("pulled alice "+folder) {
			t.Fatalf("%s was pushed before its pull finished:\n%s", folder, log.all())
		} else if folder != "Big" && pushed > bigPulled {
			t.Fatalf("%s waited for the big folder's pull:\n%s", folder, log.all())
		}
	}

	again := &traceLog{}
	mbs[0].Dest.Trace = again.add
	if _, qrep, err := Copy(context.Background(), e.db, mbs, PullOptions{}, PushOptions{}); err != nil || qrep.Exceptions() {
		t.Fatalf("second copy: %v %s", err, qrep.Summary())
	}
	if n := countLines(again.all(), " APPEND "); n != 0 {
		t.Fatalf("the second copy sent %d APPENDs", n)
	}
}

// A Copy cut short leaves a state either half resumes from: the next Copy
// completes it, every message on the destination once.
func TestCopyCutShortResumes(t *testing.T) {
	e, src := copyEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	events := &eventLog{}
	events.onStored = func() { time.AfterFunc(300*time.Millisecond, cancel) }
	mbs := []CopyMailbox{{Box: e.box, Source: src, Dest: e.dstEndpoint()}}
	done := make(chan error, 1)
	go func() {
		_, _, err := Copy(ctx, e.db, mbs, PullOptions{Progress: events}, PushOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Fatalf("the cut copy returned %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the cut copy did not stop in a minute")
	}
	if _, qrep, err := Copy(context.Background(), e.db, mbs, PullOptions{}, PushOptions{}); err != nil || qrep.Exceptions() {
		t.Fatalf("resumed copy: %v %s", err, qrep.Summary())
	}
	if n := e.assertDestMatchesSource(t); n != 55 {
		t.Fatalf("%d messages compared, want 55", n)
	}
}

// prefixedLog writes a run's progress into a shared log.
type prefixedLog struct {
	log    *traceLog
	prefix string
}

func (p *prefixedLog) Planned(mb string, n int, b int64) {}
func (p *prefixedLog) Folder(mb, f string)               { p.log.add(p.prefix + "folder " + mb + " " + f) }
func (p *prefixedLog) Stored(mb string, n int, b int64)  {}
func (p *prefixedLog) Problem(mb, f string, uid uint32, why string) {
	p.log.add(fmt.Sprint(p.prefix, "problem ", mb, " ", f, " ", uid, " ", why))
}
func (p *prefixedLog) Waiting(mb, why string) { p.log.add(p.prefix + "waiting " + mb + " " + why) }

// A copy whose source refuses the login does not wait for a listing that
// never comes: the push goes on with what the store holds (nothing here),
// and both reports say why.
func TestCopyWithASourceThatRefusesTheLogin(t *testing.T) {
	e, src := copyEnv(t)
	src.Password = []byte("not the password")
	done := make(chan struct{})
	var prep Report
	var qrep PushReport
	var err error
	go func() {
		defer close(done)
		prep, qrep, err = Copy(context.Background(), e.db, []CopyMailbox{{Box: e.box, Source: src, Dest: e.dstEndpoint()}},
			PullOptions{Retries: 1, Backoff: 10 * time.Millisecond}, PushOptions{Retries: 1, Backoff: 10 * time.Millisecond})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the copy still runs a minute after its source refused the login")
	}
	if err != nil || !prep.Exceptions() || !qrep.Exceptions() {
		t.Fatalf("copy: %v\npull: %s\npush: %s", err, prep.Summary(), qrep.Summary())
	}
	if pulled := prep.Mailboxes[0].Err; !strings.Contains(pulled, "password") {
		t.Fatalf("the pull's report does not say the login was refused: %q", pulled)
	}
	if pushed := qrep.Mailboxes[0].Err; !strings.Contains(pushed, "pull it first") {
		t.Fatalf("the push's report does not say there is nothing pulled: %q", pushed)
	}
}
