package sync

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// pushChildAt runs one child push (TestPushKillChild) against addr with
// the store at dir and extra environment (MAILSHIFT_PUSH_DIE and the
// like), and returns the journal steps it printed and whether it
// finished. A child still running after three minutes is killed (it is
// ours: exec.CommandContext kills only the process it started).
func pushChildAt(t *testing.T, addr, dir string, env ...string) (lines []string, finished bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, port, _ := strings.Cut(addr, ":")
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPushKillChild$")
	cmd.Env = append(os.Environ(), "MAILSHIFT_PUSH_CHILD="+dir, "MAILSHIFT_CHILD_PORT="+port, "MAILSHIFT_PUSH_DIE=", "MAILSHIFT_PUSH_PLAIN=")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	out, _ := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("the child push did not end within three minutes: %s", out)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		lines = append(lines, l)
		finished = finished || l == "done"
	}
	return lines, finished
}

// diedAt checks that a child killed itself at step and returns the size of
// the window it was at.
func diedAt(t *testing.T, lines []string, finished bool, step string) int {
	t.Helper()
	last := lines[len(lines)-1]
	s, n, _ := strings.Cut(last, " ")
	size, err := strconv.Atoi(n)
	if finished || s != step || err != nil || size <= 0 {
		t.Fatalf("the child did not die at %q: finished %v, last line %q", step, finished, last)
	}
	return size
}

// journalTally counts the push journal's records of the mailbox by state,
// over every destination folder; zeroUID counts done records without a UID.
type journalTally struct{ intents, done, failed, zeroUID int }

func tallyJournal(t *testing.T, db *store.DB) journalTally {
	t.Helper()
	folders, err := db.PushedFolders("p", testenv.DefaultUser)
	if err != nil {
		t.Fatal(err)
	}
	var j journalTally
	for _, f := range folders {
		_, recs, err := db.PushJournal("p", testenv.DefaultUser, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			switch r.State {
			case store.PushIntent:
				j.intents++
			case store.PushDone:
				j.done++
				if r.UID == 0 {
					j.zeroUID++
				}
			case store.PushFailed:
				j.failed++
			}
		}
	}
	return j
}

func tallyJournalAt(t *testing.T, dir string) journalTally {
	t.Helper()
	db, err := store.Open(dir, store.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return tallyJournal(t, db)
}

// destCount is how many messages the destination holds in all its folders.
func destCount(t *testing.T, d *testenv.Dovecot) int {
	t.Helper()
	n := 0
	for _, msgs := range snapshot(t, d, testenv.DefaultUser) {
		n += len(msgs)
	}
	return n
}

var pathName = map[bool]string{false: "wire", true: "plain"}

// uploadCase is one way a push uploads, as a test picks it: over the
// worker's upload session (two connections: one worker and its session),
// go-imap's APPEND, or the folder's own session borrowed for MULTIAPPEND
// (one connection: no room for a second).
type uploadCase struct {
	name  string
	conns int
	plain bool
}

var uploadCases = []uploadCase{{"wire", 2, false}, {"plain", 1, true}, {"borrowed", 1, false}}

// reopen opens the store a killed child left in dir as e's, for the test.
func (e *pushEnv) reopen(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	return db
}

// RELIABILITY scenario 3: killed after recording an upload intent, before
// sending. The child SIGKILLs itself in the crash hook right after a
// window's intents are durable (at the first window, then, resumed, at
// its fourth), with one upload session so that the hook's count names one
// window. Each time it died the journal held exactly that window's
// intents, and the destination held exactly the journal's done records:
// nothing of the window. The resumed run finds nothing (an intent whose
// bytes never left is not taken for a landed upload), uploads every
// message not yet there once, and the destination matches the source.
func TestPushKilledAfterIntentBeforeSending(t *testing.T) {
	for _, uc := range uploadCases {
		t.Run(uc.name, func(t *testing.T) {
			e := newPushEnv(t, styleSlash, styleDot, 1)
			dir := e.db.Dir()
			e.db.Close()
			conns, plain := uc.conns, uc.plain
			env := []string{"MAILSHIFT_PUSH_CONNS=" + strconv.Itoa(conns), "MAILSHIFT_PUSH_WINDOW=5", "MAILSHIFT_PUSH_PLAIN=" + map[bool]string{true: "1"}[plain]}
			for _, die := range []string{"intent:1", "intent:4"} {
				lines, finished := pushChildAt(t, e.dst.Addr, dir, append(env, "MAILSHIFT_PUSH_DIE="+die)...)
				n := diedAt(t, lines, finished, "intent")
				j := tallyJournalAt(t, dir)
				if j.intents != n || j.failed != 0 {
					t.Fatalf("killed at %s (window of %d): the journal holds %+v, want %d intents", die, n, j, n)
				}
				if got := destCount(t, e.dst); got != j.done {
					t.Fatalf("killed at %s: %d messages on the destination, %d done in the journal: the window went out before its intents were durable, or was lost", die, got, j.done)
				}
			}
			db := e.reopen(t, dir)
			before := destCount(t, e.dst)
			rep := e.push(t, PushOptions{Window: 5, MaxConnections: conns, PlainAppend: plain}, nil)
			tot := rep.Totals()
			if rep.Exceptions() || tot.Found != 0 || tot.Uploaded != 98-before || tot.Already != before {
				t.Fatalf("resumed with %d on the destination: %s", before, rep.Summary())
			}
			if n := e.assertDestMatchesSource(t); n != 98 {
				t.Fatalf("%d compared", n)
			}
			if j := tallyJournal(t, db); j.done != 98 || j.intents != 0 {
				t.Fatalf("journal after the resumed run: %+v", j)
			}
		})
	}
}

// RELIABILITY scenario 6: the connection is reset after the literal, before
// the tagged OK. The relay lets the first APPEND (a MULTIAPPEND window, or
// go-imap's single APPEND) go up whole, lets nothing after it through,
// waits for Dovecot's tagged answer (sent after the messages are
// committed), swallows it and cuts the connection; from then on the
// destination is unreachable, so the run ends with the window's outcome
// unknown. In the other case the relay cuts the first APPEND in the middle
// of its first literal: Dovecot commits nothing. Either way the journal
// holds the window's intents, the destination holds what the server
// committed and nothing else, and the resumed run counts what was
// committed as found (never sent again) and uploads the rest once.
func TestPushResetAroundTheTaggedOK(t *testing.T) {
	for _, committed := range []bool{true, false} {
		for _, uc := range uploadCases {
			name := map[bool]string{true: "committed, OK lost", false: "cut mid-literal"}[committed] + ", " + uc.name
			t.Run(name, func(t *testing.T) { pushResetAroundOK(t, uc, committed) })
		}
	}
}

func pushResetAroundOK(t *testing.T, uc uploadCase, committed bool) {
	plain, conns := uc.plain, uc.conns
	e := newPushEnv(t, styleSlash, styleDot, 1)
	relay := &imapRelay{upstream: e.dst.Addr}
	var (
		mu       gosync.Mutex
		victim   *relayConn // the connection of the first APPEND
		tag      string
		messages int // how many messages that APPEND carried
		hit      atomic.Bool
		lost     atomic.Bool // its tagged answer came and was swallowed
	)
	if committed {
		relay.commandDone = func(rc *relayConn, c relayCmd) bool {
			if c.verb != "APPEND" || !hit.CompareAndSwap(false, true) {
				return false
			}
			mu.Lock()
			victim, tag, messages = rc, c.tag, c.literals
			mu.Unlock()
			return true
		}
		relay.response = func(rc *relayConn, resp []byte) ([]byte, bool) {
			got, _, ok := taggedAnswer(resp)
			mu.Lock()
			mine := ok && rc == victim && got == tag
			mu.Unlock()
			if !mine {
				return resp, false
			}
			relay.refuse.Store(true)
			lost.Store(true)
			return nil, true
		}
	} else {
		relay.literal = func(rc *relayConn, c relayCmd, size int64) int64 {
			if c.verb != "APPEND" || !hit.CompareAndSwap(false, true) {
				return size
			}
			relay.refuse.Store(true)
			return size / 2
		}
	}
	addr := relay.start(t)
	var first atomic.Int32 // the size of the first window, from the crash hook
	hook := func(step string, n int) {
		if step == "intent" {
			first.CompareAndSwap(0, int32(n))
		}
	}
	ep := endpointFor(e.dst, addr, store.SecurityPlain, testenv.DefaultUser)
	ep.CommandTimeout = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Push(ctx, e.db, []PushMailbox{{Box: e.box, Endpoint: ep}},
		PushOptions{Window: 5, MaxConnections: conns, PlainAppend: plain, Retries: 1, Backoff: time.Millisecond, CrashHook: hook})
	if err != nil {
		t.Fatal(err)
	}
	if !hit.Load() || committed && !lost.Load() {
		t.Fatalf("the relay never acted (hit %v, answer swallowed %v)", hit.Load(), lost.Load())
	}
	if !rep.Exceptions() || rep.Totals().Uploaded != 0 {
		t.Fatalf("the interrupted run claims uploads: %s", rep.Summary())
	}
	want := 0 // what the server committed
	if committed {
		want = messages
		if plain && messages != 1 || !plain && messages != int(first.Load()) {
			t.Fatalf("the first APPEND carried %d messages, the first window %d", messages, first.Load())
		}
	}
	j := tallyJournal(t, e.db)
	if j.intents != int(first.Load()) || j.done != 0 || j.failed != 0 {
		t.Fatalf("after the reset the journal holds %+v, want the first window's %d intents only", j, first.Load())
	}
	if got := destCount(t, e.dst); got != want {
		t.Fatalf("after the reset the destination holds %d messages, want %d", got, want)
	}

	again := e.push(t, PushOptions{Window: 5, MaxConnections: conns, PlainAppend: plain}, nil)
	tot := again.Totals()
	if again.Exceptions() || tot.Found != want || tot.Uploaded != 98-want || tot.Already != 0 {
		t.Fatalf("resumed: want %d found and %d uploaded: %s", want, 98-want, again.Summary())
	}
	if n := e.assertDestMatchesSource(t); n != 98 {
		t.Fatalf("%d compared", n)
	}
}
