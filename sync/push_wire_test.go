package sync

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
	"mailshift/store"
)

var (
	nonSyncLiteral = regexp.MustCompile(`(?m)\{\d+\+\}$`)
	syncLiteral    = regexp.MustCompile(`(?m)\{\d+\}$`)
)

// Dovecot offers MULTIAPPEND, LITERAL+ and UIDPLUS: each window of ten
// goes up as one APPEND command with non-synchronizing literals, every
// message arrives once with its bytes, flags and date, and the journal
// holds the UID APPENDUID gave each one, in order (the message at that UID
// has that message's hash). PlainAppend goes back to one APPEND per message
// with synchronizing literals and gives the same result.
func TestPushUsesMultiappendAndLiteralPlus(t *testing.T) {
	segments(t, 5000)
	for _, plain := range []bool{false, true} {
		e := newPushEnv(t, styleSlash, styleDot, 1)
		trace := &traceLog{}
		rep := e.push(t, PushOptions{Window: 10, PlainAppend: plain}, trace)
		if tot := rep.Totals(); rep.Exceptions() || tot.Uploaded != 98 {
			t.Fatalf("plain=%v: %s", plain, rep.Summary())
		}
		if n := e.assertDestMatchesSource(t); n != 98 {
			t.Fatalf("%d compared", n)
		}
		log := trace.all()
		appends, nonSync, syncs := countLines(log, " APPEND "), len(nonSyncLiteral.FindAllString(log, -1)), len(syncLiteral.FindAllString(log, -1))
		// Folders of 40, 15, 2, 3, 4, 20, 8 and 6 messages, windows of 10.
		if !plain && (appends != 13 || nonSync != 98 || syncs != 0) {
			t.Fatalf("wire path: %d APPEND commands (want 13), %d non-synchronizing and %d synchronizing literals", appends, nonSync, syncs)
		}
		if plain && (appends != 98 || syncs == 0) { // go-imap waits for the continuation above 4 KB
			t.Fatalf("plain path: %d APPEND commands (want 98), %d synchronizing literals", appends, syncs)
		}
		dst := snapshot(t, e.dst, testenv.DefaultUser)
		m, _, _ := LoadMapping(e.db, "p", testenv.DefaultUser)
		checked := 0
		for _, f := range m.Folders {
			_, recs, err := e.db.PushJournal("p", testenv.DefaultUser, f.Dest)
			if err != nil {
				t.Fatal(err)
			}
			for k, r := range recs {
				got, ok := dst[f.Dest][r.UID]
				if r.State != store.PushDone || r.UID == 0 || !ok || got.hash != k.Hash {
					t.Fatalf("plain=%v %s: journal %+v does not name the message's UID", plain, f.Dest, r)
				}
				checked++
			}
		}
		if checked != 98 {
			t.Fatalf("%d journal records checked", checked)
		}
	}
}

// go-imap's in-memory server (the demo's new host) offers LITERAL- and
// UIDPLUS but neither MULTIAPPEND nor LITERAL+: the wire path pipelines one
// APPEND per message, non-synchronizing up to 4 KB and waiting for the
// continuation above; every message arrives once, the UIDs are recorded,
// and a re-run sends nothing.
func TestPushWireOnServerWithoutMultiappend(t *testing.T) {
	src := testenv.StartDovecot(t, styleSlash)
	var msgs []testenv.Message
	for i := 0; i < 9; i++ {
		raw := testenv.SimpleMessage(i, "mem")
		if i%3 == 2 {
			raw = append(raw, bytes.Repeat([]byte("a line of a larger message\r\n"), 300)...)
		}
		msgs = append(msgs, testenv.Message{Raw: raw, Flags: []imap.Flag{imap.FlagSeen, "$Label1"}, Date: time.Date(2023, 5, 1+i, 8, 0, 0, 0, time.UTC)})
	}
	src.Load(t, testenv.DefaultUser, "Work", msgs)
	mem := testenv.StartMemServer(t, map[string]string{"bob": canaryPassword})
	mc, err := imapclient.DialInsecure(mem.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.Login("bob", canaryPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := mc.Create("INBOX", nil).Wait(); err != nil { // the in-memory server starts with none
		t.Fatal(err)
	}
	mc.Close()
	host, port, _ := net.SplitHostPort(mem.Addr)
	n, _ := strconv.Atoi(port)
	ep := Endpoint{Server: store.Server{Host: host, Port: n, Security: store.SecurityPlain, AllowPlaintext: true}, Username: "bob", Password: []byte(canaryPassword)}
	trace := &traceLog{}
	ep.Trace = trace.add

	db := newStoreWithProfile(t, "p", ProfileGeneric)
	pullOnce(t, db, src, testenv.DefaultUser, nil)
	box := store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	rep, err := Push(context.Background(), db, []PushMailbox{{Box: box, Endpoint: ep}}, PushOptions{})
	if err != nil || rep.Exceptions() || rep.Totals().Uploaded != 9 {
		t.Fatalf("push: %v %s", err, rep.Summary())
	}
	log := trace.all()
	if a, ns, s := countLines(log, " APPEND "), len(nonSyncLiteral.FindAllString(log, -1)), len(syncLiteral.FindAllString(log, -1)); a != 9 || ns != 6 || s != 3 {
		t.Fatalf("%d APPEND, %d non-synchronizing and %d synchronizing literals (want 9, 6, 3)", a, ns, s)
	}
	got := memFolder(t, mem.Addr, "Work")
	for _, m := range msgs {
		k := sha256.Sum256(m.Raw)
		g, ok := got[k]
		if !ok || !g.date.Equal(m.Date) || !sameFlags(g.flags, []imap.Flag{"$Label1", imap.FlagSeen}) {
			t.Fatalf("message %q: %+v (there: %v)", m.Raw[:40], g, ok)
		}
	}
	if len(got) != 9 {
		t.Fatalf("%d messages on the destination", len(got))
	}
	_, recs, _ := db.PushJournal("p", testenv.DefaultUser, "Work")
	for _, r := range recs {
		if r.State != store.PushDone || r.UID == 0 {
			t.Fatalf("journal: %+v", r)
		}
	}
	trace.lines = nil
	again, err := Push(context.Background(), db, []PushMailbox{{Box: box, Endpoint: ep}}, PushOptions{})
	if err != nil || again.Totals().Uploaded+again.Totals().Found != 0 || countLines(trace.all(), "APPEND") != 0 {
		t.Fatalf("re-run: %v %s", err, again.Summary())
	}
}

// sameFlags compares flag sets ignoring order and case (keywords are
// case-insensitive; servers spell them as they first saw them).
func sameFlags(a, b []imap.Flag) bool {
	set := func(fs []imap.Flag) map[string]bool {
		m := map[string]bool{}
		for _, f := range fs {
			m[strings.ToLower(string(f))] = true
		}
		return m
	}
	return reflect.DeepEqual(set(a), set(b))
}

type memMsg struct {
	date  time.Time
	flags []imap.Flag
}

// memFolder reads a folder of the in-memory server: hash -> date, flags.
func memFolder(t *testing.T, addr, folder string) map[[32]byte]memMsg {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("bob", canaryPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[[32]byte]memMsg{}
	for _, m := range msgs {
		var body []byte
		for _, b := range m.BodySection {
			body = b.Bytes
		}
		out[sha256.Sum256(body)] = memMsg{date: m.InternalDate, flags: m.Flags}
	}
	return out
}

func TestWireResponseParsing(t *testing.T) {
	r := parseTagged("W7", "W7 OK [APPENDUID 38505 3955:3957] APPEND completed")
	if r.Type != imap.StatusResponseTypeOK || r.Code != codeAppendUID || r.Args != "38505 3955:3957" || r.Text != "APPEND completed" || r.err() != nil {
		t.Fatalf("%+v", r)
	}
	if e, ok := parseTagged("W8", "W8 NO [OVERQUOTA] Quota exceeded").err().(*imap.Error); !ok || e.Code != imap.ResponseCodeOverQuota || e.Text != "Quota exceeded" {
		t.Fatalf("%+v", e)
	}
	for _, c := range []struct {
		args string
		n    int
		uids []uint32
		ok   bool
	}{
		{"9 3:5", 3, []uint32{3, 4, 5}, true},
		{"9 3:5,9", 4, []uint32{3, 4, 5, 9}, true},
		{"9 5:3", 3, []uint32{5, 4, 3}, true},
		{"9 17", 1, []uint32{17}, true},
		{"9 3:5", 2, nil, false},
		{"9 3:5", 4, nil, false},
		{"9 0:2", 3, nil, false},
		{"x 3", 1, nil, false},
		{"9", 1, nil, false},
		{"9 1:4294967295", 3, nil, false}, // a hostile range stops at n
	} {
		uv, uids, ok := appendUIDs(c.args, c.n)
		if ok != c.ok || (ok && (uv != 9 || !reflect.DeepEqual(uids, c.uids))) {
			t.Errorf("appendUIDs(%q, %d) = %d %v %v", c.args, c.n, uv, uids, ok)
		}
	}
	if q, ok := quoted(`a"b\c`); !ok || q != `"a\"b\\c"` {
		t.Errorf("quoted: %s %v", q, ok)
	}
	if _, ok := quoted("é"); ok {
		t.Error("8-bit text quoted")
	}
	if f := wireFlags([]string{`\Seen`, `\Recent`, "$Label1", "bad flag", `\`, "x]"}); f != `(\Seen $Label1)` {
		t.Errorf("flags: %s", f)
	}
	if n, ok := literalSize("* 1 FETCH (BODY[] {12}"); !ok || n != 12 {
		t.Errorf("literal: %d %v", n, ok)
	}
	if _, ok := literalSize("* OK {fine}"); ok {
		t.Error("not a literal")
	}
	if mb, ok := wireMailbox("Projects/Café & Co"); !ok || mb != `"Projects/Caf&AOk- &- Co"` {
		t.Errorf("mailbox: %s", mb)
	}
}

// readLine bounds what a hostile server can make it buffer.
func TestWireSessionBoundsResponses(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	s := &wireSession{ep: Endpoint{CommandTimeout: 5 * time.Second}}
	s.setConn(b)
	go func() {
		io.WriteString(a, "* 1 FETCH (BODY[] {99999999}\r\n")
	}()
	if _, err := s.readLine(); err == nil {
		t.Fatal("a 100 MB literal in a response was accepted")
	}
}

// The upload session secures itself as Dial does: over implicit TLS and
// over STARTTLS, accepting the pinned certificate, it logs in and uploads
// (one go-imap connection and one upload session each: two dials), and a
// wrong pin gets no upload session at all.
func TestPushWireOverTLSAndSTARTTLS(t *testing.T) {
	src := testenv.StartDovecot(t, styleSlash)
	var msgs []testenv.Message
	for i := 0; i < 12; i++ {
		raw := append(testenv.SimpleMessage(i, "tls"), bytes.Repeat([]byte("padding so that bodies outweigh commands\r\n"), 120)...)
		msgs = append(msgs, testenv.Message{Raw: raw, Flags: []imap.Flag{imap.FlagSeen}, Date: time.Date(2022, 2, 1+i, 7, 0, 0, 0, time.UTC)})
	}
	src.Load(t, testenv.DefaultUser, "Work", msgs)
	dst := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", TLS: true,
		Users: map[string]string{"tls": "tls-Pw-1", "starttls": "starttls-Pw-1"}})
	for _, c := range []struct {
		user string
		sec  store.Security
		addr string
	}{{"tls", store.SecurityTLS, dst.TLSAddr}, {"starttls", store.SecuritySTARTTLS, dst.Addr}} {
		db := newStoreWithProfile(t, "p", ProfileGeneric)
		pullOnce(t, db, src, testenv.DefaultUser, nil)
		ep := endpointFor(dst, c.addr, c.sec, c.user)
		ep.PinSHA256 = dst.Cert.SHA256()
		var conns []*countingConn // cap 2: one worker and its upload session
		ep.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cc := &countingConn{Conn: c}
			conns = append(conns, cc)
			return cc, nil
		}
		box := store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
		rep, err := Push(context.Background(), db, []PushMailbox{{Box: box, Endpoint: ep}}, PushOptions{MaxConnections: 2})
		if err != nil || rep.Exceptions() || rep.Totals().Uploaded != 12 || len(conns) != 2 {
			t.Fatalf("%s: %d dials, %v %s", c.user, len(conns), err, rep.Summary())
		}
		if conns[1].written.Load() < rep.Bytes || conns[0].written.Load() > rep.Bytes/2 {
			t.Fatalf("%s: the upload session sent %d bytes, the go-imap connection %d, of %d message bytes", c.user, conns[1].written.Load(), conns[0].written.Load(), rep.Bytes)
		}
		if n := dst.Count(t, c.user, "Work"); n != 12 {
			t.Fatalf("%s: %d messages on the destination", c.user, n)
		}
		ep.PinSHA256 = strings.Repeat("ab", 32)
		if s, err := dialWire(context.Background(), ep); err == nil || s != nil {
			t.Fatalf("%s: an upload session with a wrong pin", c.user)
		}
	}
}

// countingConn counts the bytes written to a connection.
type countingConn struct {
	net.Conn
	written atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// A server that allows one connection, pushed with a cap of one (no room
// for an upload session) and of two (the server refuses the second): the
// upload borrows the folder's own session and writes MULTIAPPEND with
// non-synchronizing literals on it, window after window (three folders,
// windows of three: go-imap's SELECT, listing and STATUS work between and
// after the borrows), and the push completes. A re-run sends nothing.
func TestPushWithoutRoomForAnUploadSession(t *testing.T) {
	for _, conns := range []int{1, 2} {
		t.Run(strconv.Itoa(conns)+" conns", func(t *testing.T) {
			e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, testenv.DovecotOptions{MaxUserIPConnections: 1})}
			sizes := map[string]int{"Work": 7, "Home": 4, "Old/2019": 1}
			for folder, n := range sizes {
				var msgs []testenv.Message
				for i := 0; i < n; i++ {
					msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(i, folder), Date: time.Date(2021, 6, 1+i, 7, 0, 0, 0, time.UTC), Flags: []imap.Flag{imap.FlagSeen, "$Label1"}[:i%3]})
				}
				e.src.Load(t, testenv.DefaultUser, folder, msgs)
			}
			e.db = newStoreWithProfile(t, "p", ProfileGeneric)
			e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
			pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
			trace := &traceLog{}
			rep := e.push(t, PushOptions{MaxConnections: conns, Window: 3}, trace)
			if rep.Exceptions() || rep.Totals().Uploaded != 12 {
				t.Fatalf("push: %s", rep.Summary())
			}
			log := trace.all()
			appends, nonSync, syncs := countLines(log, " APPEND "), len(nonSyncLiteral.FindAllString(log, -1)), len(syncLiteral.FindAllString(log, -1))
			if appends != 3+2+1 || nonSync != 12 || syncs != 0 { // windows of 3 over 7, 4 and 1
				t.Fatalf("%d APPEND commands (want 6), %d non-synchronizing and %d synchronizing literals", appends, nonSync, syncs)
			}
			if n := e.assertDestMatchesSource(t); n != 12 {
				t.Fatalf("%d compared", n)
			}
			again := e.push(t, PushOptions{MaxConnections: conns, Window: 3}, nil)
			if tot := again.Totals(); again.Exceptions() || tot.Uploaded != 0 || tot.Already != 12 {
				t.Fatalf("re-run: %s", again.Summary())
			}
		})
	}
}

// A server without AUTH=PLAIN gets LOGIN with quoted strings (a password
// with '"' and '\' escaped); the trace shows no password.
func TestWireSessionLoginWithQuotedPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const pw = `p"w\d x`
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		io.WriteString(c, "* OK ready\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch {
			case strings.HasPrefix(cmd, "CAPABILITY"):
				io.WriteString(c, "* CAPABILITY IMAP4rev1 MULTIAPPEND LITERAL+\r\n"+tag+" OK done\r\n")
			case strings.HasPrefix(cmd, "LOGIN"):
				got <- cmd
				io.WriteString(c, tag+" OK logged in\r\n")
			default:
				io.WriteString(c, tag+" BAD what\r\n")
			}
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(port)
	trace := &traceLog{}
	ep := Endpoint{Server: store.Server{Host: host, Port: n, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: "ann", Password: []byte(pw), Trace: trace.add, DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second}
	s, err := dialWire(context.Background(), ep)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if cmd := <-got; cmd != `LOGIN "ann" "p\"w\\d x"` {
		t.Fatalf("sent %s", cmd)
	}
	if !s.caps["MULTIAPPEND"] || !s.caps["LITERAL+"] {
		t.Fatalf("caps %v", s.caps)
	}
	if strings.Contains(trace.all(), "d x") {
		t.Fatalf("the trace shows the password:\n%s", trace.all())
	}
}

// A server that never ends its line: the session refuses it once it passes
// the bound, having held no more than that (it used to read the whole line
// first, then compare).
func TestWireSessionRefusesAnEndlessLine(t *testing.T) {
	s := &wireSession{ep: Endpoint{CommandTimeout: 5 * time.Second}}
	s.setConn(&scriptConn{r: io.LimitReader(endless('x'), 256<<20)})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := s.readLine()
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "response line over") {
		t.Fatalf("got %v", err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 8*maxResponseLine {
		t.Fatalf("allocated %d MB for an endless line", grown>>20)
	}
	// A literal's CRLF stays in the line; only the line's own is cut.
	s.setConn(&scriptConn{r: strings.NewReader("* 1 FETCH (BODY[] {4}\r\nab\r\n)\r\n* 2 X {4}\r\ncd\r\n\r\n")})
	for _, want := range []string{"* 1 FETCH (BODY[] {4}ab\r\n)", "* 2 X {4}cd\r\n"} {
		if line, err := s.readLine(); err != nil || line != want {
			t.Fatalf("got %q, %v; want %q", line, err, want)
		}
	}
}

// endless is a reader of one byte repeated for ever.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}
