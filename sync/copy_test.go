package sync

import (
	"context"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// copyEnv is a source whose "Big" folder comes through a slow link (its
// pull takes seconds) and whose small folders come at once, a destination
// of the other separator style, and an empty store.
func copyEnv(t *testing.T, dst testenv.DovecotOptions) (e *pushEnv, src Endpoint) {
	t.Helper()
	e = &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, dst)}
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

// Copy pushes a folder smaller than a pass (passGrowth) once the pull has
// finished it, and not before: the small folders reach the destination
// while the big one is still being pulled, the big one only after its
// pull, and in the end the destination holds every message once, with its
// bytes, flags and date. A second Copy sends nothing.
func TestCopyPushesEachFolderOnceItsPullFinished(t *testing.T) {
	e, src := copyEnv(t, styleDot)
	log := &traceLog{}
	follow := newFollow()
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

// Beside the pull of a large folder, the push makes passes over the part
// of it the pull has made durable: the destination holds some of the big
// folder before its pull ends, and in the end every message once, each
// folder reported once with every upload counted once.
func TestCopyPushesALargeFolderInPassesWhileItIsPulled(t *testing.T) {
	defer func(g uint32) { passGrowth = g }(passGrowth)
	passGrowth = 10
	e, src := copyEnv(t, styleDot)
	dest := e.dst.Mailbox("Big")
	onDest := -1
	follow := newFollow()
	follow.trace = func(event string) {
		if event == "pulled alice Big" { // the pull has just finished it
			c := e.dst.Dial(t, testenv.DefaultUser)
			defer c.Close()
			if st, err := c.Status(dest, &imap.StatusOptions{NumMessages: true}).Wait(); err == nil {
				onDest = int(*st.NumMessages)
			} else {
				onDest = 0 // not created yet
			}
		}
	}
	mbs := []CopyMailbox{{Box: e.box, Source: src, Dest: e.dstEndpoint()}}
	prep, qrep, err := copyFollowing(context.Background(), e.db, mbs, PullOptions{BatchSize: 5}, PushOptions{}, follow)
	if err != nil || prep.Exceptions() || qrep.Exceptions() {
		t.Fatalf("copy: %v\npull: %s\npush: %s", err, prep.Summary(), qrep.Summary())
	}
	t.Logf("on the destination when the pull ended: %d", onDest)
	if onDest < 10 {
		t.Fatalf("%d of the big folder's 40 messages were on the destination when its pull ended", onDest)
	}
	if n := e.assertDestMatchesSource(t); n != 55 {
		t.Fatalf("%d messages compared, want 55", n)
	}
	seen := map[string]int{}
	for _, f := range qrep.Mailboxes[0].Folders {
		seen[f.Source]++
		if f.Source == "Big" && (f.Wanted != 40 || f.Uploaded != 40 || f.Already != 0) {
			t.Fatalf("the big folder's report: %+v", f)
		}
	}
	if tt := qrep.Totals(); tt.Uploaded != 55 || tt.Already != 0 || len(seen) != 4 || seen["Big"] != 1 {
		t.Fatalf("push report: %+v, folders %v", tt, seen)
	}
}

// The destination's quota is reached in a pass over a folder the pull is
// still copying: the mailbox stops with the server's reason, the folder
// is reported once, and the copy ends.
func TestCopyStopsAMailboxOverQuotaBetweenPasses(t *testing.T) {
	defer func(g uint32) { passGrowth = g }(passGrowth)
	passGrowth = 10
	quota := styleDot
	quota.QuotaBytes = 600_000 // the big folder is 1.6 MB
	e, src := copyEnv(t, quota)
	done := make(chan struct{})
	var qrep PushReport
	var err error
	go func() {
		defer close(done)
		_, qrep, err = Copy(context.Background(), e.db, []CopyMailbox{{Box: e.box, Source: src, Dest: e.dstEndpoint()}},
			PullOptions{BatchSize: 5}, PushOptions{Retries: 1, Backoff: 10 * time.Millisecond})
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the copy still runs two minutes after the destination's quota was reached")
	}
	if err != nil || !qrep.Exceptions() || !strings.Contains(qrep.Summary(), "quota") {
		t.Fatalf("copy: %v %s", err, qrep.Summary())
	}
	seen := map[string]int{}
	for _, f := range qrep.Mailboxes[0].Folders {
		seen[f.Source]++
	}
	if seen["Big"] != 1 {
		t.Fatalf("the big folder was reported %d times: %+v", seen["Big"], qrep.Mailboxes[0].Folders)
	}
}

// A pass over a folder the pull is still copying fails (the destination
// resets every connection from then on): that folder gets no other pass,
// it is reported once, with the failure, and the copy ends instead of
// waiting for a last pass that will not come.
func TestCopyEndsWhenAPassFails(t *testing.T) {
	defer func(g uint32) { passGrowth = g }(passGrowth)
	passGrowth = 10
	e, src := copyEnv(t, styleDot)
	proxy, port := startProxy(t, e.dst.Addr)
	dst := endpointFor(e.dst, fmt.Sprintf("127.0.0.1:%d", port), store.SecurityPlain, testenv.DefaultUser)
	follow := newFollow()
	var cut gosync.Once
	follow.trace = func(event string) {
		var folder string
		var hw uint32
		if _, err := fmt.Sscanf(event, "durable alice %s %d", &folder, &hw); err == nil && folder == "Big" && hw > passGrowth {
			cut.Do(func() { // before the push hears of it: its first pass over Big fails
				proxy.Toxics.AddToxicJson(strings.NewReader(`{"type":"reset_peer","stream":"downstream","attributes":{"timeout":0}}`))
			})
		}
	}
	done := make(chan struct{})
	var qrep PushReport
	var err error
	go func() {
		defer close(done)
		_, qrep, err = copyFollowing(context.Background(), e.db, []CopyMailbox{{Box: e.box, Source: src, Dest: dst}},
			PullOptions{BatchSize: 5}, PushOptions{Retries: 1, Backoff: 10 * time.Millisecond}, follow)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the copy still runs two minutes after a pass failed")
	}
	if err != nil || !qrep.Exceptions() {
		t.Fatalf("copy: %v %s", err, qrep.Summary())
	}
	var big []PushFolderReport
	for _, f := range qrep.Mailboxes[0].Folders {
		if f.Source == "Big" {
			big = append(big, f)
		}
	}
	if len(big) != 1 || big[0].Err == "" || big[0].Wanted >= 40 {
		t.Fatalf("the big folder's reports (one, from a pass over part of it, failed): %+v", big)
	}
}

// A Copy cut short leaves a state either half resumes from: the next Copy
// completes it, every message on the destination once.
func TestCopyCutShortResumes(t *testing.T) {
	e, src := copyEnv(t, styleDot)
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
	e, src := copyEnv(t, styleDot)
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
