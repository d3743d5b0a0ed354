package sync

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// pushEnv is a source and a destination Dovecot of different styles and a
// store holding the source's pull, in project "p".
type pushEnv struct {
	src, dst *testenv.Dovecot
	db       *store.DB
	box      store.BoxKey
}

var (
	styleSlash = testenv.DovecotOptions{Separator: "/"}
	styleDot   = testenv.DovecotOptions{Separator: ".", Prefix: "INBOX."}
)

func newPushEnv(t *testing.T, so, do testenv.DovecotOptions, scale int) *pushEnv {
	t.Helper()
	e := &pushEnv{src: testenv.StartDovecot(t, so), dst: testenv.StartDovecot(t, do)}
	loadDemo(t, e.src, testenv.DefaultUser, scale)
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	return e
}

func (e *pushEnv) dstEndpoint() Endpoint {
	return endpointFor(e.dst, e.dst.Addr, store.SecurityPlain, testenv.DefaultUser)
}

func (e *pushEnv) push(t *testing.T, opts PushOptions, trace *traceLog) PushReport {
	t.Helper()
	ep := e.dstEndpoint()
	if trace != nil {
		ep.Trace = trace.add
	}
	rep, err := Push(context.Background(), e.db, []PushMailbox{{Box: e.box, Endpoint: ep}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// msgKey is what must survive the trip: bytes, flags, received date.
func (m srcMsg) key() string { return fmt.Sprintf("%x|%s|%d", m.hash[:], m.flags, m.date) }

func multiset(msgs map[uint32]srcMsg) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		out[m.key()]++
	}
	return out
}

// assertDestMatchesSource: every source folder's messages are in its
// mapped destination folder exactly once each (as a multiset of bytes,
// flags and INTERNALDATE), and the destination holds nothing else.
func (e *pushEnv) assertDestMatchesSource(t *testing.T) int {
	t.Helper()
	src := snapshot(t, e.src, testenv.DefaultUser)
	dst := snapshot(t, e.dst, testenv.DefaultUser)
	m, ok, err := LoadMapping(e.db, "p", testenv.DefaultUser)
	if err != nil || !ok {
		t.Fatalf("no saved mapping: %v", err)
	}
	total, mapped := 0, map[string]bool{}
	for folder, msgs := range src {
		f, ok := m.Lookup(folder)
		if !ok || f.Dest == "" {
			t.Fatalf("%q has no destination in %+v", folder, m.Folders)
		}
		mapped[f.Dest] = true
		want, got := multiset(msgs), multiset(dst[f.Dest])
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s -> %s: message %s is there %d time(s), want %d", folder, f.Dest, k[:16], got[k], n)
			}
		}
		if len(dst[f.Dest]) != len(msgs) {
			t.Errorf("%s -> %s: %d messages on the destination, %d on the source", folder, f.Dest, len(dst[f.Dest]), len(msgs))
		}
		total += len(msgs)
	}
	for name, msgs := range dst {
		if !mapped[name] && len(msgs) > 0 {
			t.Errorf("destination folder %q has %d messages nothing maps to", name, len(msgs))
		}
	}
	return total
}

func countLines(log, substr string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

// Source '/' to destination '.'+INBOX. and back: every message arrives
// once with its bytes, flags and INTERNALDATE (all checked); the re-run
// sends no APPEND and fetches no body, one STATUS per folder; a
// destination folder deleted and recreated gets only its own messages again.
func TestPushExactlyOnceBetweenSeparatorStyles(t *testing.T) {
	for _, dir := range [][2]testenv.DovecotOptions{{styleSlash, styleDot}, {styleDot, styleSlash}} {
		t.Run(dir[0].Separator+" to "+dir[1].Separator, func(t *testing.T) {
			e := newPushEnv(t, dir[0], dir[1], 1)
			rep := e.push(t, PushOptions{Window: 9}, nil)
			tot := rep.Totals()
			if rep.Exceptions() || tot.Uploaded != 98 || tot.Wanted != 98 {
				t.Fatalf("first push: %s %+v", rep.Summary(), rep.Mailboxes)
			}
			if n := e.assertDestMatchesSource(t); n != 98 {
				t.Fatalf("%d compared", n)
			}
			m, _, _ := LoadMapping(e.db, "p", testenv.DefaultUser)
			if f, _ := m.Lookup(e.src.Mailbox("Sent")); f.Dest != e.dst.Mailbox("Sent") || !hasReason(f, ReasonRole) {
				t.Fatalf("Sent mapped to %+v", f)
			}

			trace := &traceLog{}
			again := e.push(t, PushOptions{}, trace)
			log := trace.all()
			if again.Exceptions() || again.Totals().Uploaded != 0 || again.Totals().Found != 0 || again.Totals().Already != 98 {
				t.Fatalf("re-run: %s", again.Summary())
			}
			for _, f := range again.Mailboxes[0].Folders {
				if !f.Unchanged {
					t.Errorf("re-run touched %q: %+v", f.Source, f)
				}
			}
			if countLines(log, "APPEND") != 0 || countLines(log, "BODY") != 0 || countLines(log, "STATUS") != 8 {
				t.Fatalf("re-run sent %d APPEND, %d body fetches, %d STATUS:\n%s", countLines(log, "APPEND"), countLines(log, "BODY"), countLines(log, "STATUS"), log)
			}

			// The destination folder is deleted and recreated (new UIDVALIDITY).
			archive := e.dst.Mailbox("Archive/2024")
			c := e.dst.Dial(t, testenv.DefaultUser)
			if err := c.Delete(archive).Wait(); err != nil {
				t.Fatal(err)
			}
			if err := c.Create(archive, nil).Wait(); err != nil {
				t.Fatal(err)
			}
			c.Close()
			third := e.push(t, PushOptions{}, nil)
			if third.Exceptions() || third.Totals().Uploaded != 20 || third.Totals().Already != 78 {
				t.Fatalf("after recreating %s: %s", archive, third.Summary())
			}
			e.assertDestMatchesSource(t)
		})
	}
}

// Messages already on the destination (an earlier tool, a partial manual
// copy) are recognised by Message-ID, size and content hash and not sent
// again; a message with the same Message-ID but other bytes is not taken
// for it; byte-identical duplicates keep their multiplicity.
func TestPushRecognisesMessagesAlreadyThere(t *testing.T) {
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	same := []byte("From: a@x.test\r\nMessage-ID: <same@x>\r\nSubject: one\r\n\r\nbody one\r\n")
	impostor := []byte("From: a@x.test\r\nMessage-ID: <same@x>\r\nSubject: one\r\n\r\nbody 1ne\r\n") // same size, other bytes
	dup := []byte("From: a@x.test\r\nMessage-ID: <dup@x>\r\n\r\nidentical\r\n")
	noID := []byte("From: a@x.test\r\nSubject: no id\r\n\r\nno Message-ID\r\n")
	var msgs []testenv.Message
	for _, raw := range [][]byte{same, dup, dup, noID, testenv.SimpleMessage(1, "x"), testenv.SimpleMessage(2, "x")} {
		msgs = append(msgs, testenv.Message{Raw: raw, Flags: []imap.Flag{imap.FlagSeen}})
	}
	e.src.Load(t, testenv.DefaultUser, "Work", msgs)
	// The destination already has: the first message, one of the two
	// duplicates, the one without Message-ID, and an impostor.
	e.dst.Load(t, testenv.DefaultUser, "Work", []testenv.Message{msgs[0], msgs[1], msgs[3], {Raw: impostor}})
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	rep := e.push(t, PushOptions{}, nil)
	tot := rep.Totals()
	if tot.Found != 3 || tot.Uploaded != 3 || rep.Exceptions() {
		t.Fatalf("found %d uploaded %d: %s", tot.Found, tot.Uploaded, rep.Summary())
	}
	dst := snapshot(t, e.dst, testenv.DefaultUser)["INBOX.Work"]
	if len(dst) != 7 { // 6 from the source + the impostor, which is not ours to delete
		t.Fatalf("%d messages on the destination", len(dst))
	}
	if again := e.push(t, PushOptions{}, nil); again.Totals().Uploaded+again.Totals().Found != 0 {
		t.Fatalf("re-run: %s", again.Summary())
	}
}
