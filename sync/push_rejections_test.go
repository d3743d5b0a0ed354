package sync

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"sync/atomic"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// workEnv is a source with one folder, Work, of the given messages, pulled
// into a store, and an empty destination started with dst.
func workEnv(t *testing.T, dst testenv.DovecotOptions, msgs []testenv.Message) *pushEnv {
	t.Helper()
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, dst)}
	e.src.Load(t, testenv.DefaultUser, "Work", msgs)
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	return e
}

// A destination that refuses single messages. The refusals are real:
// Dovecot's quota_max_mail_size refuses the two messages over 20 KB with
// "NO [LIMIT] Mail size is larger than the maximum size allowed by server
// configuration" (a MULTIAPPEND carrying one of them is refused whole, and
// sent again message by message). The relay only changes the words of
// that answer: into NO [TOOBIG] ..., into a plain NO with text, or not at
// all. Each refused message is recorded failed with the server's words
// (journal, report's problems, the code its words call for), the ten others
// are uploaded once, and the run ends "completed with exceptions". The next
// run tries a refused message again unless it was too big for the server,
// and duplicates nothing.
func TestPushRecordsPerMessageRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, answer, code, text string
	}{
		{"TOOBIG", "NO [TOOBIG] Message too big for this mailbox", CodeTooBig, "Message too big for this mailbox"},
		{"plain NO", "NO Refused by local policy 5.7.1", CodeRejected, "Refused by local policy 5.7.1"},
		// Dovecot's own answer, [LIMIT] about the size: too big, so not
		// tried again (it used to be taken for a refusal and sent again
		// on every run).
		{"Dovecot's LIMIT", "", CodeTooBig, "Mail size is larger than the maximum size allowed by server configuration"},
	} {
		for _, plain := range []bool{false, true} {
			t.Run(tc.name+", "+pathName[plain], func(t *testing.T) {
				pushRefusals(t, plain, tc.answer, tc.code, tc.text)
			})
		}
	}
}

func pushRefusals(t *testing.T, plain bool, answer, code, text string) {
	pad := bytes.Repeat([]byte("a line of padding to pass the server's size limit\r\n"), 800) // ~40 KB
	var msgs []testenv.Message
	small := map[[32]byte]bool{}
	for i := 0; i < 12; i++ {
		raw := testenv.SimpleMessage(i, "work")
		if i == 3 || i == 8 {
			raw = append(raw, pad...)
		} else {
			small[sha256.Sum256(raw)] = true
		}
		msgs = append(msgs, testenv.Message{Raw: raw})
	}
	e := workEnv(t, testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", MaxMailBytes: 20_000}, msgs)
	dest := e.dst.Mailbox("Work")
	var appends, refused atomic.Int32
	relay := &imapRelay{upstream: e.dst.Addr}
	relay.literal = func(_ *relayConn, c relayCmd, size int64) int64 {
		if c.verb == "APPEND" && c.literals == 1 { // counted before the server can refuse it
			appends.Add(1)
		}
		return size
	}
	relay.response = func(rc *relayConn, resp []byte) ([]byte, bool) {
		tag, rest, ok := taggedAnswer(resp)
		if !ok || !bytes.HasPrefix(rest, []byte("NO [LIMIT]")) {
			return resp, false
		}
		if c, _ := rc.command(tag); c.verb != "APPEND" {
			return resp, false
		}
		refused.Add(1)
		if answer == "" {
			return resp, false
		}
		return []byte(tag + " " + answer + "\r\n"), false
	}
	ep := endpointFor(e.dst, relay.start(t), store.SecurityPlain, testenv.DefaultUser)
	conns := 2
	if plain {
		conns = 1
	}
	push := func() PushFolderReport {
		t.Helper()
		rep, err := Push(t.Context(), e.db, []PushMailbox{{Box: e.box, Endpoint: ep}}, PushOptions{Window: 5, MaxConnections: conns, PlainAppend: plain})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Exceptions() || !strings.Contains(rep.Summary(), "completed with exceptions") || rep.Mailboxes[0].Err != "" {
			t.Fatalf("summary: %s (mailbox error %q)", rep.Summary(), rep.Mailboxes[0].Err)
		}
		for _, f := range rep.Mailboxes[0].Folders {
			if f.Dest == dest {
				return f
			}
		}
		t.Fatalf("no report for %s: %+v", dest, rep.Mailboxes[0].Folders)
		return PushFolderReport{}
	}
	f := push()
	if refused.Load() < 2 {
		t.Fatalf("Dovecot refused %d APPENDs, want at least the two big messages'", refused.Load())
	}
	failed := f.Failed
	if code == CodeTooBig {
		failed = f.TooBig
	}
	if f.Err != "" || f.Uploaded != 10 || failed != 2 || f.Failed+f.TooBig+f.Unknown+f.NotPushed != 2 || len(f.Problems) != 2 {
		t.Fatalf("first run: %+v", f)
	}
	for _, p := range f.Problems {
		if p.Code != code || !strings.HasPrefix(p.Text, text) || p.SourceUID != 4 && p.SourceUID != 9 {
			t.Errorf("problem %+v: want code %s, the server's words %q, source UID 4 or 9", p, code, text)
		}
	}
	_, recs, err := e.db.PushJournal("p", testenv.DefaultUser, dest)
	if err != nil {
		t.Fatal(err)
	}
	done, fails := 0, 0
	for _, r := range recs {
		switch {
		case r.State == store.PushDone:
			done++
		case r.State == store.PushFailed && r.Reason == code && strings.HasPrefix(r.Text, text):
			fails++
		default:
			t.Errorf("journal record %+v", r)
		}
	}
	if done != 10 || fails != 2 {
		t.Fatalf("journal: %d done, %d failed with the server's words", done, fails)
	}
	// Reconciliation gives each its reason and the server's words: a
	// message too big is skipped (the verdict can still be "all there"),
	// a refused one missing.
	rec := e.reconcile(t, 0)
	pick := func(f FolderReconcile) []Issue { return f.Missing }
	if code == CodeTooBig {
		pick = func(f FolderReconcile) []Issue { return f.Skipped }
	}
	if n := issuesWith(rec, pick, code); n != 2 || rec.OK() != (code == CodeTooBig) {
		t.Fatalf("reconcile: %d issues coded %s, verdict %q", n, code, rec.Verdict())
	}
	for _, m := range rec.Mailboxes {
		for _, f := range m.Folders {
			for _, is := range pick(f) {
				if is.Code == code && !strings.HasPrefix(is.Text, text) {
					t.Errorf("reconcile's issue %+v: want the server's words %q", is, text)
				}
			}
		}
	}
	assertOnlySmall := func() {
		t.Helper()
		onDst := snapshot(t, e.dst, testenv.DefaultUser)[dest]
		seen := map[[32]byte]bool{}
		for _, m := range onDst {
			if !small[m.hash] || seen[m.hash] {
				t.Fatalf("the destination holds an unexpected or repeated message (%d in all)", len(onDst))
			}
			seen[m.hash] = true
		}
		if len(seen) != 10 {
			t.Fatalf("%d of the 10 accepted messages on the destination", len(seen))
		}
	}
	assertOnlySmall()

	before := appends.Load()
	f = push()
	sent := appends.Load() - before
	if f.Uploaded != 0 || f.Already != 10 || failed != 2 || len(f.Problems) != 2 {
		t.Fatalf("second run: %+v", f)
	}
	if code == CodeTooBig && (sent != 0 || !f.Unchanged) || code != CodeTooBig && sent == 0 {
		t.Fatalf("second run sent %d APPENDs (unchanged %v): a message too big is not sent again, a refused one is", sent, f.Unchanged)
	}
	assertOnlySmall()
}
