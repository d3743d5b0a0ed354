package sync

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"
	gosync "sync"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/demo"
	"mailshift/internal/testenv"
	"mailshift/store"
)

// loadDemo fills a Dovecot user with the demo's sample mailbox.
func loadDemo(t *testing.T, d *testenv.Dovecot, user string, n int) []demo.Folder {
	folders := demo.Mailbox(user+"@example.test", 3, n)
	for _, f := range folders {
		var msgs []testenv.Message
		for _, m := range f.Messages {
			msgs = append(msgs, testenv.Message{Raw: m.Raw, Flags: m.Flags, Date: m.Date})
		}
		d.Load(t, user, f.Name, msgs)
	}
	return folders
}

type srcMsg struct {
	hash  store.Hash
	flags string
	date  int64
}

// snapshot reads every message of every folder (UID, flags, date, body
// hash) straight from the server, with BODY.PEEK.
func snapshot(t *testing.T, d *testenv.Dovecot, user string) map[string]map[uint32]srcMsg {
	c := d.Dial(t, user)
	defer c.Close()
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[uint32]srcMsg{}
	for _, b := range boxes {
		sel, err := c.Select(b.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			continue
		}
		out[b.Mailbox] = map[uint32]srcMsg{}
		if sel.NumMessages == 0 {
			continue
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			fl := flagStrings(m.Flags)
			sort.Strings(fl)
			out[b.Mailbox][uint32(m.UID)] = srcMsg{sha256.Sum256(m.BodySection[0].Bytes), strings.Join(fl, " "), m.InternalDate.Unix()}
		}
	}
	return out
}

type traceLog struct {
	mu    gosync.Mutex
	lines []string
}

func (l *traceLog) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }

func (l *traceLog) all() string { l.mu.Lock(); defer l.mu.Unlock(); return strings.Join(l.lines, "\n") }

// tempStore opens a store in a fresh temporary folder, closed when the
// test ends.
func tempStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func pullOnce(t *testing.T, db *store.DB, d *testenv.Dovecot, user string, trace *traceLog) Report {
	t.Helper()
	ep := endpointFor(d, d.Addr, store.SecurityPlain, user)
	if trace != nil {
		ep.Trace = trace.add
	}
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: user}, Endpoint: ep}}, PullOptions{BatchSize: 17})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mailboxes[0].Err != "" {
		t.Fatalf("pull: %s", rep.Mailboxes[0].Err)
	}
	return rep
}

// compareStore checks every source message is stored byte for byte with
// its flags and date, under its folder and UID.
func compareStore(t *testing.T, db *store.DB, user string, src map[string]map[uint32]srcMsg) int {
	t.Helper()
	box := store.BoxKey{ProjectID: "p", MailboxID: user}
	states, _ := db.FolderStates(box)
	total := 0
	for folder, msgs := range src {
		st := states[folder]
		got := map[uint32]store.MessageRecord{}
		db.ForEachMessage(box, folder, st.UIDValidity, func(m store.MessageRecord) error { got[m.UID] = m; return nil })
		if len(got) != len(msgs) {
			t.Errorf("%s: %d stored, %d on the source", folder, len(got), len(msgs))
		}
		for uid, s := range msgs {
			m, ok := got[uid]
			if !ok {
				t.Errorf("%s uid %d not stored", folder, uid)
				continue
			}
			rc, err := db.OpenMessage(m.Hash)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			io.Copy(h, rc)
			rc.Close()
			fl := append([]string(nil), m.Flags...)
			sort.Strings(fl)
			if fmt.Sprintf("%x", h.Sum(nil)) != fmt.Sprintf("%x", s.hash[:]) || m.Hash != s.hash {
				t.Errorf("%s uid %d: stored bytes differ from the source", folder, uid)
			}
			if strings.Join(fl, " ") != s.flags || m.InternalDate.Unix() != s.date {
				t.Errorf("%s uid %d: flags %q date %d, source %q %d", folder, uid, fl, m.InternalDate.Unix(), s.flags, s.date)
			}
			total++
		}
	}
	return total
}

func TestPullIsByteExactReadOnlyAndDeltaIsCheap(t *testing.T) {
	for _, o := range []testenv.DovecotOptions{{Separator: "/"}, {Separator: ".", Prefix: "INBOX."}} {
		t.Run("separator "+o.Separator, func(t *testing.T) {
			d := testenv.StartDovecot(t, o)
			loadDemo(t, d, testenv.DefaultUser, 1)
			before := snapshot(t, d, testenv.DefaultUser)
			db := tempStore(t)
			var trace traceLog
			rep := pullOnce(t, db, d, testenv.DefaultUser, &trace)
			stored, _, _, failed, _ := rep.Counts()
			if n := compareStore(t, db, testenv.DefaultUser, before); n != stored || n < 90 || failed != 0 {
				t.Fatalf("stored %d, compared %d, failed %d", stored, n, failed)
			}
			// The source is unchanged, and was only read.
			after := snapshot(t, d, testenv.DefaultUser)
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatal("the source changed during the pull")
			}
			for _, line := range trace.lines {
				u := strings.ToUpper(line)
				for _, bad := range []string{" STORE ", " EXPUNGE", " MOVE ", " COPY ", " APPEND ", " DELETE ", " RENAME ", " SELECT ", "BODY[]"} {
					if strings.Contains(u, bad) {
						t.Errorf("the pull sent %q", line)
					}
				}
			}
			if !strings.Contains(strings.ToUpper(trace.all()), "EXAMINE") || !strings.Contains(strings.ToUpper(trace.all()), "BODY.PEEK[]") {
				t.Fatal("the trace shows no EXAMINE / BODY.PEEK: it is not tracing")
			}
			// No-change delta: one STATUS per folder, no SELECT, no FETCH.
			var trace2 traceLog
			rep = pullOnce(t, db, d, testenv.DefaultUser, &trace2)
			if s, _, _, _, _ := rep.Counts(); s != 0 {
				t.Fatalf("no-change delta stored %d", s)
			}
			statuses := strings.Count(strings.ToUpper(trace2.all()), " STATUS ")
			if statuses != len(before) || strings.Contains(strings.ToUpper(trace2.all()), "FETCH") || strings.Contains(strings.ToUpper(trace2.all()), "EXAMINE") {
				t.Fatalf("no-change delta sent %d STATUS for %d folders:\n%s", statuses, len(before), trace2.all())
			}
			// New mail and a flag change are picked up by the next delta.
			d.Load(t, testenv.DefaultUser, "INBOX", []testenv.Message{{Raw: testenv.SimpleMessage(999, "late arrival")}})
			c := d.Dial(t, testenv.DefaultUser)
			c.Select("INBOX", nil).Wait()
			if err := c.Store(imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{"$DeltaTest"}}, nil).Close(); err != nil {
				t.Fatal(err)
			}
			c.Close()
			var trace3 traceLog
			rep = pullOnce(t, db, d, testenv.DefaultUser, &trace3)
			var inbox FolderReport
			for _, f := range rep.Mailboxes[0].Folders {
				if f.Folder == "INBOX" {
					inbox = f
				}
			}
			if inbox.Stored != 1 || inbox.FlagsUpdated < 1 {
				t.Fatalf("delta: %+v\n%s", inbox, trace3.all())
			}
			compareStore(t, db, testenv.DefaultUser, snapshot(t, d, testenv.DefaultUser))
			res, err := db.Check(context.Background(), nil)
			if err != nil || len(res.Problems) != 0 {
				t.Fatalf("store check: %+v %v", res.Problems, err)
			}
		})
	}
}
