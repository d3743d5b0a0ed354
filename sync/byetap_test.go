package sync

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// tapOver runs the wire text through a byeTap in reads of at most chunk
// bytes and returns the tap and what came out.
func tapOver(t *testing.T, wire []byte, chunk int) (*byeTap, []byte) {
	t.Helper()
	client, server := net.Pipe()
	go func() {
		for b := wire; len(b) > 0; {
			n := min(chunk, len(b))
			server.Write(b[:n])
			b = b[n:]
		}
		server.Close()
	}()
	tap := newByeTap(client)
	out, err := io.ReadAll(tap)
	if err != nil {
		t.Fatal(err)
	}
	return tap, out
}

// An untagged BYE is kept with its response code and text; BYE lines
// inside literals (a message body quoting one) and tagged lines are not
// taken for the server's, in whatever pieces the bytes arrive.
func TestByeTapFindsTheServersByeOnly(t *testing.T) {
	body := "Subject: x\r\n\r\n* BYE [ALERT] fake, retry in 99 minutes\r\n{5}\r\n* BYE again\r\n"
	wire := "* OK [CAPABILITY IMAP4rev1] hi\r\n" +
		"A1 OK [READ-ONLY] done\r\n" +
		"* 1 FETCH (UID 1 BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + ")\r\n" +
		"* 2 FETCH (UID 2 BODY[HEADER] {13+}\r\n* BYE inner\r\n BODY[TEXT] {0}\r\n)\r\n" +
		"* bye [UNAVAILABLE] Too many requests, retry in 30 seconds\r\n"
	for _, chunk := range []int{1, 2, 3, 7, 64, 1 << 16} {
		tap, out := tapOver(t, []byte(wire), chunk)
		if string(out) != wire {
			t.Fatalf("chunk %d: the tap changed the stream", chunk)
		}
		e := tap.bye()
		if e == nil || e.Code != "UNAVAILABLE" || e.Text != "Too many requests, retry in 30 seconds" {
			t.Fatalf("chunk %d: bye %+v", chunk, e)
		}
	}
	for _, tc := range []struct{ wire, text string }{
		{"* BYE Server busy, try again in 5 seconds\r\n", "Server busy, try again in 5 seconds"},
		{"* BYE\r\n", ""},
		{"* BYEBYE no\r\n", "-"},
		{"A2 BYE tagged is not a BYE\r\n", "-"},
		{"* OK still here\r\n", "-"},
		{"* 3 FETCH (BODY[] {19}\r\n* BYE in a body\r\n\r\n)\r\n", "-"},
		{"* 5 FETCH (BODY[] {23}\r\nX: y\r\n* BYE in a body\r\n)\r\n", "-"},
		{"* 4 FETCH (BODY[] {3}\r\nabc BODY[1] ~{17}\r\n* BYE in binary\r\n)\r\n", "-"},
	} {
		tap, _ := tapOver(t, []byte(tc.wire), 5)
		e := tap.bye()
		if (e == nil) != (tc.text == "-") || (e != nil && e.Text != tc.text) {
			t.Errorf("%q: bye %+v", tc.wire, e)
		}
	}
}

// A 5 MB message passes through the tap untouched, its body skipped by
// counting (not looked at byte by byte), with next to no allocation.
func TestByeTapSkipsLargeBodiesWithBoundedMemory(t *testing.T) {
	const size = 5 << 20
	body := bytes.Repeat([]byte("* BYE looks like one, retry in 9 minutes\r\n"), size/42+1)[:size]
	var wire bytes.Buffer
	wire.WriteString("* 1 FETCH (UID 1 BODY[] {" + strconv.Itoa(size) + "}\r\n")
	wire.Write(body)
	wire.WriteString(")\r\nA3 OK done\r\n")
	src := wire.Bytes()
	tap := newByeTap(readerConn{r: iotest.HalfReader(bytes.NewReader(src))})
	tap.bounded(&tapBound{literal: defaultMaxMessageBytes}) // a body, as hashDest reads one
	buf := make([]byte, 32<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for {
		m, err := tap.Read(buf)
		n += m
		if err != nil {
			break
		}
	}
	runtime.ReadMemStats(&after)
	if n != len(src) {
		t.Fatalf("read %d of %d bytes", n, len(src))
	}
	if tap.bye() != nil {
		t.Fatalf("a BYE inside the body was taken for the server's: %+v", tap.bye())
	}
	if tap.scanned > 200 {
		t.Fatalf("the tap looked at %d bytes one by one: the body was scanned", tap.scanned)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<10 {
		t.Fatalf("the tap allocated %d bytes for a 5 MB message", grown)
	}
	if strings.Contains(string(tap.head[:]), "looks like one") {
		t.Fatal("the tap kept body bytes")
	}
}

// BenchmarkByeTapLargeLiteral measures a 5 MB FETCH through the tap (the
// literal is skipped by counting; compare with BenchmarkByeTapBaseline).
func BenchmarkByeTapLargeLiteral(b *testing.B) { benchTap(b, true) }

// BenchmarkByeTapBaseline reads the same stream without the tap.
func BenchmarkByeTapBaseline(b *testing.B) { benchTap(b, false) }

func benchTap(b *testing.B, tapped bool) {
	const size = 5 << 20
	wire := append([]byte("* 1 FETCH (UID 1 BODY[] {"+strconv.Itoa(size)+"}\r\n"), bytes.Repeat([]byte("x"), size)...)
	wire = append(wire, ")\r\n"...)
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		var c net.Conn = readerConn{r: bytes.NewReader(wire)}
		if tapped {
			tap := newByeTap(c)
			tap.bounded(&tapBound{literal: defaultMaxMessageBytes})
			c = tap
		}
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
	}
}

// readerConn is a net.Conn that only reads (all the tap calls).
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c readerConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c readerConn) Close() error               { return nil }

// FuzzByeTap: whatever the server sends, in whatever pieces, the tap
// passes it through unchanged (up to a refusal of a reply too large),
// does not panic, and keeps at most byeTextMax bytes of one BYE line.
func FuzzByeTap(f *testing.F) {
	f.Add([]byte("* BYE [UNAVAILABLE] retry in 3 seconds\r\n"), uint8(3))
	f.Add([]byte("* 1 FETCH (BODY[] {9}\r\n* BYE x\r\n)\r\n* BYE real\r\n"), uint8(1))
	f.Add([]byte("* 2 FETCH (BODY[] ~{99999999999999999999999}\r\nxx"), uint8(7))
	f.Fuzz(func(t *testing.T, wire []byte, chunk uint8) {
		tap := newByeTap(readerConn{r: iotest.OneByteReader(bytes.NewReader(wire))})
		if chunk > 1 {
			tap = newByeTap(readerConn{r: bytes.NewReader(wire)})
		}
		buf := make([]byte, max(int(chunk), 1))
		var out []byte
		var refused *replyTooLarge
		for {
			n, err := tap.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				errors.As(err, &refused)
				break
			}
		}
		if refused != nil && (!bytes.HasPrefix(wire, out) || refused.literal <= maxReplyLiteral) {
			t.Fatalf("refused %v after %d of %d bytes", refused, len(out), len(wire))
		}
		if refused == nil && !bytes.Equal(out, wire) {
			t.Fatal("the tap changed the stream")
		}
		if e := tap.bye(); e != nil && len(e.Text) > byeTextMax {
			t.Fatalf("kept %d bytes of a BYE", len(e.Text))
		}
	})
}
