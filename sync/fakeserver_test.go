package sync

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailshift/store"
)

// fakeServer speaks just enough IMAP for one pull of a three-message INBOX
// and answers UID FETCH (and LIST) with whatever the test scripts, so tests
// can send what Dovecot never would: replies without a body or date,
// hostile literal sizes, malformed lines.
type fakeServer struct {
	addr  string
	list  string // the LIST reply lines
	fetch string // the UID FETCH reply lines (before the tagged OK)
	hang  bool   // close the connection right after the fetch reply
	flood *flood // answers one command with a reply without end
	// esearch, when set, makes the server offer ESEARCH and answer UID
	// SEARCH with these UIDs as one ESEARCH ALL set ("1:3").
	esearch string
	// esearchNoUID leaves out the UID marker of the ESEARCH answer, as a
	// broken server might: read as message numbers.
	esearchNoUID bool

	// tls, when set, secures the sessions: from the first byte (IMAPS)
	// with implicit, else after STARTTLS, which is then offered.
	tls      *tls.Config
	implicit bool
}

func startFake(t *testing.T, f *fakeServer) Endpoint {
	t.Helper()
	if f.list == "" {
		f.list = "* LIST () \"/\" INBOX\r\n"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := serveLoopback(t, ln, f.serve)
	return Endpoint{Server: store.Server{Host: "127.0.0.1", Port: n, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: "alice", Password: []byte(canaryPassword), DialTimeout: 3 * time.Second, CommandTimeout: 3 * time.Second}
}

func (f *fakeServer) serve(c net.Conn) {
	if f.tls != nil && f.implicit {
		c = tls.Server(c, f.tls)
	}
	defer func() { c.Close() }()
	w := bufio.NewWriter(c)
	r := bufio.NewReader(c)
	send := func(s string) { w.WriteString(s); w.Flush() }
	caps := "IMAP4rev1 AUTH=PLAIN"
	if f.esearch != "" {
		caps += " ESEARCH"
	}
	if f.tls != nil && !f.implicit {
		caps += " STARTTLS"
	}
	send("* OK [CAPABILITY " + caps + "] fake server ready\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return
		}
		tag, verb := fields[0], strings.ToUpper(fields[1])
		if verb == "UID" && len(fields) > 2 {
			verb += " " + strings.ToUpper(fields[2])
		}
		if f.flood != nil && verb == f.flood.verb && !f.flood.stream(w) {
			return
		}
		switch verb {
		case "CAPABILITY":
			send("* CAPABILITY " + caps + "\r\n")
		case "STARTTLS":
			send(tag + " OK begin TLS now\r\n")
			c = tls.Server(c, f.tls)
			w, r = bufio.NewWriter(c), bufio.NewReader(c)
			continue
		case "LOGIN":
		case "LIST":
			send(f.list)
		case "STATUS":
			send("* STATUS INBOX (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 7)\r\n")
		case "EXAMINE":
			send("* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 4] ok\r\n")
			send(tag + " OK [READ-ONLY] examined\r\n")
			continue
		case "UID SEARCH":
			if f.esearch != "" && strings.Contains(line, "RETURN (ALL)") {
				marker := " UID"
				if f.esearchNoUID {
					marker = ""
				}
				send("* ESEARCH (TAG \"" + tag + "\")" + marker + " ALL " + f.esearch + "\r\n")
			} else if strings.Contains(line, "1:*") {
				send("* SEARCH 1 2 3\r\n")
			} else {
				send("* SEARCH 2 3\r\n") // the messages still exist
			}
		case "UID FETCH":
			send(f.fetch)
			if f.hang {
				return
			}
		case "LOGOUT":
			send("* BYE bye\r\n" + tag + " OK done\r\n")
			return
		}
		send(tag + " OK done\r\n")
	}
}

const fakeDate = `INTERNALDATE "01-Mar-2024 10:00:00 +0000"`

func pullFake(t *testing.T, ep Endpoint) (Report, *store.DB, *eventLog) {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var events eventLog
	rep, _ := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: "alice"}, Endpoint: ep}},
		PullOptions{Retries: 1, Backoff: time.Millisecond, Progress: &events})
	return rep, db, &events
}

// A reply without a body, or without INTERNALDATE, is never recorded as a
// fetched message; the high-water mark stops before it, and the offline
// verification refuses to say "verified".
func TestFetchWithoutBodyOrDateIsNotRecorded(t *testing.T) {
	ep := startFake(t, &fakeServer{fetch: "* 1 FETCH (UID 1 FLAGS (\\Seen) " + fakeDate + " BODY[] {6}\r\nhello\n)\r\n" +
		"* 2 FETCH (UID 2 FLAGS () " + fakeDate + " RFC822.SIZE 10)\r\n" +
		"* 3 FETCH (UID 3 FLAGS () BODY[] {5}\r\nhello)\r\n"})
	rep, db, events := pullFake(t, ep)
	f := folderReport(rep, "INBOX")
	if f.Stored != 1 || f.Failed != 2 || f.Vanished != 0 {
		t.Fatalf("report %+v", f)
	}
	box := store.BoxKey{ProjectID: "p", MailboxID: "alice"}
	var uids []uint32
	db.ForEachMessage(box, "INBOX", 7, func(m store.MessageRecord) error { uids = append(uids, m.UID); return nil })
	states, _ := db.FolderStates(box)
	if len(uids) != 1 || uids[0] != 1 || states["INBOX"].HighWater != 2 {
		t.Fatalf("stored %v, high-water %d", uids, states["INBOX"].HighWater)
	}
	if !strings.Contains(events.all(), "no body") || !strings.Contains(events.all(), "INTERNALDATE") {
		t.Fatalf("problems not reported: %s", events.all())
	}
	v, err := VerifyOffline(context.Background(), db, "p", nil)
	if err != nil || v.OK() || !strings.HasPrefix(v.Verdict(), "NOT verified") {
		t.Fatalf("verify says %q (%v)", v.Verdict(), err)
	}
	assertNoCanary(t, db.Dir(), events.all(), rep.Summary())
}

// Hostile literal sizes and malformed lines: a clear error, no panic,
// nothing indexed, memory bounded.
func TestHostileRepliesFailCleanly(t *testing.T) {
	huge := strconv.FormatInt(1<<40, 10)
	for _, tc := range []struct {
		name, want string
		srv        fakeServer
	}{
		{"huge body literal, then the link drops", "over the 2147483648-byte limit", fakeServer{hang: true,
			fetch: "* 1 FETCH (UID 1 " + fakeDate + " BODY[] {" + huge + "}\r\n" + strings.Repeat("x", 256<<10)}},
		{"huge literal as a folder name", "the server sent a " + huge + "-byte literal in a reply where at most 1048576 bytes are expected", fakeServer{hang: true, list: "* LIST () \"/\" {" + huge + "}\r\nINBOX"}},
		{"malformed FETCH", "does not follow the IMAP protocol", fakeServer{fetch: "* 1 FETCH (UID abc BODY[] {3}\r\nabc)\r\n* 2 FETCH (((\r\n"}},
		{"garbage line", "does not follow the IMAP protocol", fakeServer{fetch: "\x00\x01\x02 not imap at all\r\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			srv := tc.srv
			rep, db, events := pullFake(t, startFake(t, &srv))
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grown := int64(after.TotalAlloc) - int64(before.TotalAlloc); grown > 64<<20 {
				t.Errorf("allocated %d MB for a hostile reply", grown>>20)
			}
			shown := firstNonEmpty(rep.Mailboxes[0].Err, strings.Join(folderReport(rep, "INBOX").Problems, "; "))
			if !strings.Contains(shown, tc.want) {
				t.Fatalf("error %q, want it to say %q", shown, tc.want)
			}
			n := 0
			db.ForEachMessage(store.BoxKey{ProjectID: "p", MailboxID: "alice"}, "INBOX", 7, func(store.MessageRecord) error { n++; return nil })
			if n != 0 {
				t.Fatalf("%d messages indexed from a hostile reply", n)
			}
			if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 {
				t.Fatalf("store check: %+v %v", res.Problems, err)
			}
			t.Logf("error shown: %s", shown)
			assertNoCanary(t, db.Dir(), events.all(), rep.Summary())
		})
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Where the server offers ESEARCH the new messages are listed as ranges
// (RETURN (ALL)), and the pull stores every one of them.
func TestNewMessagesListedByESearchRanges(t *testing.T) {
	body := func(uid int) string {
		return fmt.Sprintf("* %d FETCH (UID %d FLAGS () %s BODY[] {6}\r\nhello\n)\r\n", uid, uid, fakeDate)
	}
	ep := startFake(t, &fakeServer{esearch: "1:3", fetch: body(1) + body(2) + body(3)})
	var trace traceLog
	ep.Trace = trace.add
	rep, _, _ := pullFake(t, ep)
	if f := folderReport(rep, "INBOX"); f.Stored != 3 || f.Failed != 0 {
		t.Fatalf("report %+v, want 3 stored\n%s", f, trace.all())
	}
	if !strings.Contains(trace.all(), "UID SEARCH RETURN (ALL)") {
		t.Fatalf("no ESEARCH asked of a server that offers it:\n%s", trace.all())
	}
}

// A server that lists far more UIDs than the folder holds (one range of
// four billion, a few bytes on the wire) is refused with a clear error,
// not expanded into gigabytes.
func TestHostileESearchRangeIsRefused(t *testing.T) {
	ep := startFake(t, &fakeServer{esearch: "1:4294967295"})
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rep, _, _ := pullFake(t, ep)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := rep.Mailboxes[0].Err; !strings.Contains(got, "refusing so long a list") {
		t.Fatalf("mailbox error %q, want the refusal of the listing", got)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("the pull allocated %d MB for a hostile listing", grew>>20)
	}
}

// An ESEARCH answer without its UID marker is read as message numbers; the
// pull asks again with a plain UID SEARCH instead of taking it as "nothing
// new", and stores every message.
func TestESearchWithoutUIDMarkerFallsBackToPlainSearch(t *testing.T) {
	body := func(uid int) string {
		return fmt.Sprintf("* %d FETCH (UID %d FLAGS () %s BODY[] {6}\r\nhello\n)\r\n", uid, uid, fakeDate)
	}
	ep := startFake(t, &fakeServer{esearch: "1:3", esearchNoUID: true, fetch: body(1) + body(2) + body(3)})
	var trace traceLog
	ep.Trace = trace.add
	rep, _, _ := pullFake(t, ep)
	if f := folderReport(rep, "INBOX"); f.Stored != 3 || f.Failed != 0 {
		t.Fatalf("report %+v, want 3 stored\n%s", f, trace.all())
	}
	all := trace.all()
	if !strings.Contains(all, "UID SEARCH RETURN (ALL)") || !strings.Contains(all, "UID SEARCH UID 1:*") {
		t.Fatalf("want an ESEARCH, then a plain UID SEARCH:\n%s", all)
	}
}
