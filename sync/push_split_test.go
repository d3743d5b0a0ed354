package sync

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// bigFolderEnv is a source whose only folder, INBOX, holds n messages with
// varied flags (keywords too) and dates, and every 300th message twice,
// byte for byte, with other flags; pulled into a store in project "p".
func bigFolderEnv(t *testing.T, n int) *pushEnv {
	t.Helper()
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	flagSets := [][]imap.Flag{{imap.FlagSeen}, {}, {imap.FlagSeen, imap.FlagFlagged}, {imap.FlagAnswered, "$Label1"}}
	var msgs []testenv.Message
	for i := 0; i < n; i++ {
		raw := testenv.SimpleMessage(i, "big")
		date := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Minute)
		msgs = append(msgs, testenv.Message{Raw: raw, Flags: flagSets[i%len(flagSets)], Date: date})
		if i%300 == 0 {
			msgs = append(msgs, testenv.Message{Raw: raw, Flags: flagSets[(i+1)%len(flagSets)], Date: date.Add(time.Hour)})
		}
	}
	if err := e.src.LoadMaildir(testenv.DefaultUser, "INBOX", msgs); err != nil {
		t.Fatal(err)
	}
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	return e
}

// pushThroughProxy pushes e's store to its destination through a counting
// proxy with the connection cap maxConns.
func (e *pushEnv) pushThroughProxy(t *testing.T, maxConns, window int) (PushReport, *countingProxy) {
	t.Helper()
	proxy := startCountingProxy(t, e.dst.Addr)
	ep := endpointFor(e.dst, proxy.ln.Addr().String(), store.SecurityPlain, testenv.DefaultUser)
	rep, err := Push(context.Background(), e.db, []PushMailbox{{Box: e.box, Endpoint: ep}}, PushOptions{MaxConnections: maxConns, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Exceptions() {
		t.Fatalf("push: %s", rep.Summary())
	}
	if got := proxy.max.Load(); got > int32(maxConns) {
		t.Fatalf("cap %d: %d connections were open at once", maxConns, got)
	}
	return rep, proxy
}

// One folder of 3,010 messages with a connection cap of 4 is uploaded
// over more than one upload session (the proxy sees APPENDs on several
// connections, never more than 4 open), every message is on the
// destination exactly once with its flags and INTERNALDATE, and the
// re-run finds the folder unchanged.
func TestPushSplitsABigFolderOverSessions(t *testing.T) {
	segments(t, 5000)
	e := bigFolderEnv(t, 3000)
	rep, proxy := e.pushThroughProxy(t, 4, 20)
	if got := rep.Totals().Uploaded; got != 3010 {
		t.Fatalf("uploaded %d: %s", got, rep.Summary())
	}
	per := proxy.appendsPerConn()
	if len(per) < 2 {
		t.Fatalf("APPENDs went over %d connection(s) %v: the folder was not split", len(per), per)
	}
	if n := e.assertDestMatchesSource(t); n != 3010 {
		t.Fatalf("%d compared", n)
	}
	// The folder's state was recorded after every session's last answer:
	// the re-run finds it unchanged with one STATUS and sends nothing.
	trace := &traceLog{}
	again := e.push(t, PushOptions{MaxConnections: 4}, trace)
	if again.Totals().Uploaded+again.Totals().Found != 0 || !again.Mailboxes[0].Folders[0].Unchanged || countLines(trace.all(), "APPEND") != 0 {
		t.Fatalf("re-run: %s %+v", again.Summary(), again.Mailboxes[0].Folders)
	}
	t.Logf("APPEND commands per connection: %v; at most %d connections open at once", per, proxy.max.Load())
}

// The same folder is pushed by child processes that die mid-upload with
// two sessions sending (once right after a window's answer, before its
// record; once killed from outside at a random moment), then resumed: the
// lost windows are found on the destination, not sent again, and every
// message is there exactly once with its flags and INTERNALDATE.
func TestPushSplitBigFolderSurvivesKills(t *testing.T) {
	segments(t, 5000)
	e := bigFolderEnv(t, 3000)
	dir := e.db.Dir()
	e.db.Close()
	t.Setenv("MAILSHIFT_PUSH_CONNS", "4")
	t.Setenv("MAILSHIFT_PUSH_WINDOW", "20")
	maxInFlight := 0
	// From outside after 15 recorded windows, then from inside right
	// after the 10th answer (the window landed, its record did not).
	for _, die := range []string{"", "sent:10"} {
		lines, finished := runSplitChild(t, e.dst, dir, die, 15)
		if finished {
			t.Fatalf("the child (die %q) finished before it was killed", die)
		}
		maxInFlight = max(maxInFlight, windowsInFlight(lines))
	}
	if maxInFlight < 2 {
		t.Fatalf("never more than %d window in flight in the killed runs: the folder was not split", maxInFlight)
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	defer db.Close()
	rep, proxy := e.pushThroughProxy(t, 4, 20)
	tot := rep.Totals()
	if tot.Found < 20 {
		t.Fatalf("the window answered but not recorded was not found: %s", rep.Summary())
	}
	if tot.Uploaded+tot.Found+tot.Already != 3010 {
		t.Fatalf("resume: %s", rep.Summary())
	}
	if n := e.assertDestMatchesSource(t); n != 3010 {
		t.Fatalf("%d compared", n)
	}
	t.Logf("up to %d windows in flight at once in the killed runs; resume: %d found, %d uploaded, %d already there; APPENDs per connection %v",
		maxInFlight, tot.Found, tot.Uploaded, tot.Already, proxy.appendsPerConn())
}

// runSplitChild runs TestPushKillChild against d. With die set the child
// kills itself at that journal step; else the parent kills it after
// killAfter recorded windows. It returns the child's journal-step lines.
func runSplitChild(t *testing.T, d *testenv.Dovecot, dir, die string, killAfter int) (lines []string, finished bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPushKillChild$")
	cmd.Env = append(os.Environ(), "MAILSHIFT_PUSH_CHILD="+dir, "MAILSHIFT_CHILD_PORT="+strings.Split(d.Addr, ":")[1], "MAILSHIFT_PUSH_DIE="+die)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	recorded := 0
	for sc.Scan() {
		lines = append(lines, sc.Text())
		finished = finished || sc.Text() == "done"
		if strings.HasPrefix(sc.Text(), "recorded ") {
			recorded++
			if die == "" && recorded == killAfter {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !finished && (!ok || ws.Signal() != syscall.SIGKILL) {
		t.Fatalf("child (die %q) ended without being killed: %v\n%s", die, err, strings.Join(lines, "\n"))
	}
	return lines, finished
}

// windowsInFlight is the most windows whose intents were journaled and
// whose answers had not come yet, at any point of a child's output.
func windowsInFlight(lines []string) int {
	now, most := 0, 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "intent "):
			now++
		case strings.HasPrefix(l, "sent "):
			now--
		}
		most = max(most, now)
	}
	return most
}

// A push of a 1,004-message folder cancelled while two sessions share it
// returns (every participant and every idle worker stops) with the
// cancellation, and the next push completes the folder exactly once.
func TestPushSplitCancelledThenResumed(t *testing.T) {
	segments(t, 5000)
	e := bigFolderEnv(t, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu gosync.Mutex
	recorded := 0
	hook := func(step string, _ int) {
		mu.Lock()
		defer mu.Unlock()
		if step == "recorded" {
			if recorded++; recorded == 30 {
				cancel()
			}
		}
	}
	proxy := startCountingProxy(t, e.dst.Addr)
	ep := endpointFor(e.dst, proxy.ln.Addr().String(), store.SecurityPlain, testenv.DefaultUser)
	done := make(chan error, 1)
	var cut PushReport
	go func() {
		var err error
		cut, err = Push(ctx, e.db, []PushMailbox{{Box: e.box, Endpoint: ep}}, PushOptions{MaxConnections: 4, Window: 10, CrashHook: hook})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !cut.Interrupted || !strings.HasSuffix(cut.Summary(), ": interrupted; run it again to go on (what was sent is kept).") {
			t.Fatalf("cancelled push returned %v: %s", err, cut.Summary())
		}
	case <-time.After(time.Minute):
		t.Fatal("the cancelled push did not return within a minute")
	}
	if per := proxy.appendsPerConn(); len(per) < 2 {
		t.Fatalf("before the cancellation APPENDs went over %d connection(s) %v", len(per), per)
	}
	rep := e.push(t, PushOptions{MaxConnections: 4, Window: 10}, nil)
	tot := rep.Totals()
	if rep.Exceptions() || tot.Uploaded+tot.Found+tot.Already != 1004 || tot.Uploaded == 1004 {
		t.Fatalf("resume: %s", rep.Summary())
	}
	if n := e.assertDestMatchesSource(t); n != 1004 {
		t.Fatalf("%d compared", n)
	}
}

// The list still to send is the segment's own list when nothing is left
// out (no copy of every record), and a list of its own, in order, when
// something is; the segment's list is never changed.
func TestLimitCheckSharesTheWantedListUntilOneIsLeftOut(t *testing.T) {
	var want []wantMsg
	for i := 0; i < 6; i++ {
		want = append(want, wantMsg{Key: store.PushKey{Hash: store.Hash{byte(i + 1)}}, Rec: store.MessageRecord{UID: uint32(i + 1), Size: 100}})
	}
	fp := &folderPush{pr: &pushRun{opts: PushOptions{Progress: NoProgress{}}}}
	none := resolution{confirmed: map[store.PushKey]uint32{}, tooBig: map[store.PushKey]bool{}}
	todo, err := fp.limitCheck(want, none, map[store.PushKey]store.PushRecord{})
	if err != nil || len(todo) != 6 || &todo[0] != &want[0] || cap(todo) != 6 {
		t.Fatalf("nothing left out: %d messages, shared %v, cap %d, %v", len(todo), len(todo) > 0 && &todo[0] == &want[0], cap(todo), err)
	}
	if grown := append(todo, wantMsg{}); &grown[0] == &want[0] {
		t.Fatal("an append to the shared list grows the folder's list in place")
	}
	for _, out := range [][]int{{0}, {2}, {5}, {1, 4}, {0, 1, 2, 3, 4, 5}} {
		res := resolution{confirmed: map[store.PushKey]uint32{}, tooBig: map[store.PushKey]bool{}}
		skip := map[int]bool{}
		for n, i := range out {
			skip[i] = true
			if n%2 == 0 {
				res.confirmed[want[i].Key] = 1
			} else {
				res.tooBig[want[i].Key] = true
			}
		}
		todo, err := fp.limitCheck(want, res, map[store.PushKey]store.PushRecord{})
		if err != nil {
			t.Fatal(err)
		}
		var got, wantUIDs []uint32
		for _, w := range todo {
			got = append(got, w.Rec.UID)
		}
		for i, w := range want {
			if !skip[i] {
				wantUIDs = append(wantUIDs, w.Rec.UID)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(wantUIDs) {
			t.Errorf("leaving out %v: %v, want %v", out, got, wantUIDs)
		}
		todo = append(todo, wantMsg{Rec: store.MessageRecord{UID: 99}})
		for i, w := range want {
			if w.Rec.UID != uint32(i+1) {
				t.Fatalf("leaving out %v changed the folder's list: %d at %d", out, w.Rec.UID, i)
			}
		}
	}
}
