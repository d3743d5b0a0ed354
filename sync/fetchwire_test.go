package sync

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// seenFetch is what fetchReplies reported for one FETCH response.
type seenFetch struct {
	uid    uint32
	flags  []string
	date   time.Time
	body   string
	bodies int
}

// readReplies runs fetchReplies over a scripted server reply; bodyLimit,
// when > 0, makes the body callback read only that much of each body.
func readReplies(t *testing.T, reply string, bodyLimit int64) ([]seenFetch, string, error) {
	t.Helper()
	br := bufio.NewReaderSize(strings.NewReader(reply), 16)
	var got []seenFetch
	var cur seenFetch
	err := fetchReplies(br, "F7", func(it *fetchItems, r io.Reader, size int64) error {
		if bodyLimit > 0 {
			r = io.LimitReader(r, bodyLimit)
		}
		b, err := io.ReadAll(r)
		cur.body, cur.bodies = string(b), cur.bodies+1
		if err == nil && bodyLimit == 0 && int64(len(b)) != size {
			err = fmt.Errorf("body of %d bytes announced as %d", len(b), size)
		}
		return err
	}, func(it *fetchItems) error {
		cur.uid, cur.flags, cur.date = it.uid, it.flags, it.date
		got = append(got, cur)
		cur = seenFetch{}
		return nil
	})
	rest, _ := io.ReadAll(br)
	return got, string(rest), err
}

func TestFetchRepliesReadsItemsInAnyOrder(t *testing.T) {
	body := "Subject: x\r\n\r\nF7 OK not the end: inside a literal\r\n* 9 FETCH (UID 9)\r\n"
	reply := "* 3 EXISTS\r\n" +
		"* 1 FETCH (UID 11 FLAGS (\\SEEN \\Recent $Label1 Junk \\flagged) INTERNALDATE \" 1-Mar-2024 10:00:00 +0100\" BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + ")\r\n" +
		"* 2 FETCH (MODSEQ (12345) BODY[] {5}\r\nhello UID 12 INTERNALDATE \"01-Mar-2024 10:00:00 -0530\" FLAGS ())\r\n" +
		"* OK [HIGHESTMODSEQ 99] a text with {5}\r\n" +
		"* 3 FETCH (UID 13 RFC822.SIZE 44 BODY[HEADER.FIELDS (MESSAGE-ID)] {4}\r\nab\r\n BODY[] \"quo\\\"ted\" INTERNALDATE \"2-Apr-2024 00:00:00 +0000\")\r\n" +
		"* 4 FETCH (FLAGS (\\Seen))\r\n" +
		"* 5 FETCH (UID 15 BODY[] NIL FLAGS (\\Deleted))\r\n" +
		"* 2 EXPUNGE\r\n* SEARCH {3}\r\n1 2 3\r\n" +
		"F7 OK Fetch completed.\r\n* 9 EXISTS\r\n"
	got, rest, err := readReplies(t, reply, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rest != "* 9 EXISTS\r\n" {
		t.Errorf("read past the tagged answer: %q left", rest)
	}
	if len(got) != 5 {
		t.Fatalf("%d FETCH responses: %+v", len(got), got)
	}
	want := []seenFetch{
		{uid: 11, flags: []string{`\Seen`, "$Label1", "Junk", `\Flagged`}, date: time.Date(2024, 3, 1, 10, 0, 0, 0, time.FixedZone("", 3600)), body: body, bodies: 1},
		{uid: 12, flags: []string{}, date: time.Date(2024, 3, 1, 10, 0, 0, 0, time.FixedZone("", -5*3600-1800)), body: "hello", bodies: 1},
		{uid: 13, body: `quo"ted`, bodies: 1, date: time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC)},
		{flags: []string{`\Seen`}},
		{uid: 15, flags: []string{`\Deleted`}},
	}
	for i, w := range want {
		g := got[i]
		if g.uid != w.uid || strings.Join(g.flags, ",") != strings.Join(w.flags, ",") || (g.flags == nil) != (w.flags == nil) ||
			!g.date.Equal(w.date) || g.body != w.body || g.bodies != w.bodies {
			t.Errorf("response %d: got %+v, want %+v", i+1, g, w)
		}
		if !w.date.IsZero() {
			_, gotOff := g.date.Zone()
			_, wantOff := w.date.Zone()
			if gotOff != wantOff {
				t.Errorf("response %d: zone offset %d, want %d", i+1, gotOff, wantOff)
			}
		}
	}
}

// A body callback that stops early (a failure it reports elsewhere, or a
// consumer that wants only a prefix) leaves the stream in step.
func TestFetchRepliesSkipsWhatTheBodyCallbackLeft(t *testing.T) {
	reply := "* 1 FETCH (UID 1 BODY[] {10}\r\n0123456789 FLAGS (\\Seen))\r\n* 2 FETCH (UID 2 BODY[] {3}\r\nabc)\r\nF7 OK done\r\n"
	got, _, err := readReplies(t, reply, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].body != "0123" || got[0].flags[0] != `\Seen` || got[1].uid != 2 || got[1].body != "abc" {
		t.Fatalf("got %+v", got)
	}
}

func TestFetchRepliesTaggedNoAndBad(t *testing.T) {
	for _, tc := range []struct{ reply, typ, text string }{
		{"* 1 FETCH (UID 1 FLAGS ())\r\nF7 NO [SERVERBUG] Internal error occurred.\r\n", "NO", "Internal error occurred."},
		{"F7 BAD Error in IMAP command UID FETCH: Invalid uidset\r\n", "BAD", "Error in IMAP command UID FETCH: Invalid uidset"},
	} {
		_, _, err := readReplies(t, tc.reply, 0)
		var ie *imap.Error
		if !errors.As(err, &ie) || string(ie.Type) != tc.typ || ie.Text != tc.text {
			t.Errorf("%q: got %#v", tc.reply, err)
		}
	}
}

// What Dovecot never sends: a clear protocol error, never a panic, and
// memory bounded by the longest line allowed.
func TestFetchRepliesRefusesMalformedReplies(t *testing.T) {
	for _, tc := range []struct{ name, reply, want string }{
		{"UID not a number", "* 1 FETCH (UID abc BODY[] {3}\r\nabc)\r\n", "a UID that is not a number"},
		{"no item name", "* 2 FETCH (((\r\n", "without a value"},
		{"unclosed list", "* 2 FETCH (X (a (b)\r\n", "unterminated list"},
		{"unclosed flag list", "* 2 FETCH (FLAGS (\\Seen\r\n", "unterminated flag list"},
		{"no list", "* 2 FETCH UID 3\r\n", "without its list"},
		{"item without value", "* 2 FETCH (UID)\r\n", "without a value"},
		{"items run together", "* 2 FETCH (UID 3FLAGS ())\r\n", "a UID that is not a number"},
		{"garbage", "\x00\x01\x02 not imap at all\r\n", "neither tagged nor untagged"},
		{"continuation", "+ go ahead\r\n", "neither tagged nor untagged"},
		{"bad date", "* 2 FETCH (UID 3 INTERNALDATE \"yesterday\")\r\n", "not a date"},
		{"unquoted date", "* 2 FETCH (UID 3 INTERNALDATE 2024)\r\n", "not a quoted date"},
		{"unterminated string", "* 2 FETCH (UID 3 BODY[] \"abc)\r\n", "unterminated quoted string"},
		{"body that is a list", "* 2 FETCH (UID 3 BODY[] (1 2))\r\n", "neither a literal"},
		{"trailing bytes", "* 2 FETCH (UID 3) extra\r\n", "more after a FETCH response's end"},
		{"nested too deep", "* 2 FETCH (X " + strings.Repeat("(", 40) + ")\r\n", "nested too deep"},
		{"literal in completion", "F7 OK {3}\r\nabc\r\n", "literal in the command's completion"},
		{"endless line", strings.Repeat("x", maxResponseLine+10), "response line over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readReplies(t, tc.reply, 0)
			var pe *protocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a protocol error saying %q", err, tc.want)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes: the quoted reply must be clipped", len(err.Error()))
			}
		})
	}
}

// A reply cut off (the link dropped) is an unexpected EOF, wherever it
// stops: never a clean end, never a body shorter than announced handed on
// as complete.
func TestFetchRepliesCutShort(t *testing.T) {
	full := "* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {10}\r\n0123456789)\r\nF7 OK done\r\n"
	for cut := 0; cut < len(full)-len("F7 OK done\r\n"); cut++ {
		got, _, err := readReplies(t, full[:cut], 0)
		if err == nil {
			t.Fatalf("cut at %d: no error", cut)
		}
		if len(got) > 0 && cut < strings.Index(full, ")\r\nF7") {
			t.Fatalf("cut at %d: a response reported complete: %+v", cut, got)
		}
	}
}

// FuzzFetchReplies feeds a hostile server's bytes to the bulk FETCH
// reader: no panic, and every body handed on is read whole or the reply
// fails.
func FuzzFetchReplies(f *testing.F) {
	for _, seed := range []string{
		"* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE \"01-Mar-2024 10:00:00 +0000\" BODY[] {5}\r\nhello)\r\nF7 OK done\r\n",
		"* 1 FETCH (MODSEQ (3) BODY[] \"x\" UID 2)\r\n* 1 EXPUNGE\r\nF7 NO [LIMIT] slow down\r\n",
		"* 1 FETCH (BODY[HEADER] {2}\r\nab BODY[] NIL)\r\n* SEARCH {1}\r\n1\r\nF7 BAD x\r\n",
		"* 1 FETCH (UID 1 BODY[] {99999999999}\r\nabc",
		"* 1 FETCH ((((((((\r\n+ \r\n* BYE bye\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 16)
		fetchReplies(br, "F7", func(it *fetchItems, r io.Reader, size int64) error {
			n, err := io.Copy(io.Discard, r)
			if err == nil && n != size {
				return io.ErrUnexpectedEOF
			}
			return err
		}, func(it *fetchItems) error { return nil })
	})
}
