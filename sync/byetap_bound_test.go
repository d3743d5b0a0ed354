package sync

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// tapRead runs wire through a fresh byeTap in reads of at most chunk bytes
// until it ends or the tap refuses it.
func tapRead(wire string, chunk int, prepare func(*byeTap)) (*byeTap, []byte, *replyTooLarge) {
	tap := newByeTap(readerConn{r: iotest.OneByteReader(strings.NewReader(wire))})
	if chunk > 1 {
		tap = newByeTap(readerConn{r: strings.NewReader(wire)})
	}
	if prepare != nil {
		prepare(tap)
	}
	buf := make([]byte, chunk)
	var out []byte
	for {
		n, err := tap.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var r *replyTooLarge
			errors.As(err, &r)
			return tap, out, r
		}
	}
}

// The tap sees a literal exactly where go-imap's parser reads one, so a
// server cannot hide an announcement from it: not in a status text's
// "{N}" (which it must not skip), not in a quoted string or a response
// code that runs over a line end, not behind go-imap's liberal CRLF. And
// a "{N}" that go-imap reads as text is never refused.
func TestTapFindsLiteralsWhereGoIMAPReadsThem(t *testing.T) {
	const big = `* LIST () "/" {2000000}` + "\r\n" // refused: over 1 MB
	hidden := func(prefix string) string { return prefix + "{" + strconv.Itoa(len(big)) + "}\r\n" + big }
	refused := map[string]string{
		"a folder name":               big,
		"a space before the CRLF":     `* LIST () "/" {2000000} ` + "\r\n",
		"a bare LF":                   `* LIST () "/" {2000000}` + "\n",
		"behind a status text":        hidden("* OK [ALERT] see "),
		"behind a tagged reply":       hidden("A1 NO no such folder: Invoices "),
		"behind a continuation":       hidden("+ go on "),
		"behind a BYE":                hidden("* BYE [UNAVAILABLE] retry later "),
		"behind a code over a line":   "* OK [X a\r\n* 1 FETCH (BODY[] {" + strconv.Itoa(len("] t\r\n"+big)) + "}\r\n] t\r\n" + big,
		"after a quoted line end":     `* 1 FETCH (ENVELOPE ("d" "a{13}` + "\r\n" + `" {2000000}` + "\r\n",
		"after an escaped quote":      `* LIST () "/" "a\"{13}` + "\r\n" + `" {2000000}` + "\r\n",
		"an ENVELOPE field":           `* 1 FETCH (UID 1 ENVELOPE ("d" {2000000}` + "\r\n",
		"a size past any integer":     `* LIST () "/" {99999999999999999999999}` + "\r\n",
		"after a literal in the line": `* 1 FETCH (UID 1 ENVELOPE ("d" {3}` + "\r\nabc {2000000}\r\n",
	}
	for name, wire := range refused {
		for _, chunk := range []int{1, 3, 64 << 10} {
			_, out, r := tapRead(wire, chunk, nil)
			if r == nil || r.literal < 2000000 || r.bound != maxReplyLiteral || !strings.HasPrefix(wire, string(out)) {
				t.Errorf("%s (reads of %d): refusal %v after %q", name, chunk, r, out)
			}
		}
	}
	body := strings.Repeat("{9999999}\r\n* BYE x\r\n\"", 100)
	passed := map[string]string{
		"a status text ending in {N}":  "A1 NO [NONEXISTENT] Mailbox doesn't exist: Invoices {20240101}\r\nA2 OK done\r\n",
		"an alert ending in {N}":       "* OK [ALERT] {99999999}\r\n* 1 EXISTS\r\n",
		"a continuation ending in {N}": "+ {99999999}\r\nA1 OK done\r\n",
		"a quoted name with {N}":       `* LIST () "/" "Invoices {20240101}"` + "\r\n",
		"a literal name with {N}":      `* LIST () "/" {19}` + "\r\nInvoices {20240101}\r\n* LIST () \"/\" INBOX\r\n",
		"a body under the bound":       "* 1 FETCH (UID 1 BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + ")\r\nA1 OK done\r\n",
		"an empty literal":             `* LIST () "/" {0}` + "\r\n\r\n",
	}
	for name, wire := range passed {
		for _, chunk := range []int{1, 3, 64 << 10} {
			if _, out, r := tapRead(wire, chunk, nil); r != nil || string(out) != wire {
				t.Errorf("%s (reads of %d): refused %v, passed %d of %d bytes", name, chunk, r, len(out), len(wire))
			}
		}
	}
	// A BYE ending in "{N}" is the server's, not a literal's start.
	if tap, _, _ := tapRead("* BYE [UNAVAILABLE] retry in 30 seconds {5000000}\r\n", 7, nil); tap.bye() == nil || tap.bye().Code != "UNAVAILABLE" {
		t.Fatalf("bye %+v", tap.bye())
	}
}

// A message body passes under the message bound (wholeMessages) and is
// refused over it; the refusal names the bound and what it is for.
func TestTapBoundsFollowTheCommand(t *testing.T) {
	wire := "* 1 FETCH (UID 1 BODY[] {5000000}\r\n" + strings.Repeat("x", 5000000) + ")\r\nA1 OK done\r\n"
	raise := func(n int64) func(*byeTap) {
		return func(tap *byeTap) { tap.bounded(&tapBound{literal: n, what: "a whole message"}) }
	}
	if _, out, r := tapRead(wire, 32<<10, raise(defaultMaxMessageBytes)); r != nil || string(out) != wire {
		t.Fatalf("a 5 MB body under the message bound: refused %v", r)
	}
	_, _, r := tapRead(wire, 32<<10, raise(4<<20))
	if r == nil || !strings.Contains(r.Error(), "a 5000000-byte literal in a reply where at most 4194304 bytes are expected (a whole message)") {
		t.Fatalf("over the message bound: %v", r)
	}
	_, _, r = tapRead(wire, 32<<10, nil)
	if r == nil || r.bound != maxReplyLiteral {
		t.Fatalf("a body under the default bound: %v", r)
	}
}

// A response longer than maxReplyLine outside its literals (go-imap would
// hold it: a quoted string, a status text) is refused; a SEARCH naming a
// million UIDs is not.
func TestTapBoundsResponseLines(t *testing.T) {
	endless := strings.Repeat("x", maxReplyLine+10)
	for _, wire := range []string{`* LIST () "/" "` + endless, "* OK " + endless, "A1 NO " + endless} {
		_, out, r := tapRead(wire, 64<<10, nil)
		if r == nil || r.literal != 0 || r.bound != maxReplyLine || len(out) > maxReplyLine {
			t.Errorf("%.20q...: refusal %v after %d bytes", wire, r, len(out))
		}
	}
	var search strings.Builder
	search.WriteString("* SEARCH")
	for u := 1; search.Len() <= maxReplyLine+10; u++ {
		search.WriteString(" " + strconv.Itoa(10000000+u))
	}
	search.WriteString("\r\nA1 OK done\r\n")
	if _, out, r := tapRead(search.String(), 64<<10, nil); r != nil || len(out) != search.Len() {
		t.Fatalf("a %d-byte SEARCH: refused %v", search.Len(), r)
	}
}

// After a borrowed read (the pull's bulk FETCH: any size, read by its own
// parser), the bound is back, and the tap starts over where go-imap
// stands: whatever the borrower's bytes left it in (here an open quoted
// string), the next announcement is seen.
func TestTapAfterABorrowSeesWhatGoIMAPSees(t *testing.T) {
	borrowed := "* 1 FETCH (UID 1 BODY[] {3000000}\r\n" + strings.Repeat("x", 3000000) + ")\r\n* 2 EXISTS \"\r\nF1 OK done\r\n"
	after := big2MB()
	client, server := net.Pipe()
	defer client.Close()
	go func() { io.WriteString(server, borrowed+after); server.Close() }()
	tap := newByeTap(client)
	giveBack := tap.lend()
	if _, err := io.ReadFull(tap, make([]byte, len(borrowed))); err != nil {
		t.Fatalf("a borrowed 3 MB body: %v", err)
	}
	giveBack(nil)
	_, err := io.ReadAll(tap)
	var r *replyTooLarge
	if !errors.As(err, &r) || r.literal != 2000000 {
		t.Fatalf("after the borrow: %v", err)
	}
	// Refused for good, and the connection closed: the server's writes fail.
	if _, err := tap.Read(make([]byte, 8)); !errors.As(err, &r) {
		t.Fatalf("a read after the refusal: %v", err)
	}
	if _, err := client.Write([]byte("x")); err == nil {
		t.Fatal("the connection is still open")
	}

	// The bytes the borrower read past its reply are go-imap's: the tap
	// reads them from a response's start.
	tap = newByeTap(readerConn{r: bytes.NewReader(nil)})
	giveBack = tap.lend()
	giveBack([]byte(after))
	if tap.refusal() == nil || tap.refusal().literal != 2000000 {
		t.Fatalf("an announcement in the bytes given back: %v", tap.refusal())
	}
}

func big2MB() string { return `* LIST () "/" {2000000}` + "\r\n" + strings.Repeat("y", 100) }
