package sync

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailshift/store"
)

// flood answers the command verb with head (ending in a literal's
// announcement, or in an open quoted string), then streams size bytes in
// 64 KB pieces and tail, stopping as soon as the client hangs up. sent
// counts the bytes streamed; done is closed when the stream ends.
type flood struct {
	verb, head, tail string
	size             int64
	sent             atomic.Int64
	done             chan struct{}
}

func newFlood(verb, head, tail string) *flood {
	return &flood{verb: verb, head: head, tail: tail, size: 1 << 30, done: make(chan struct{})}
}

// stream sends the flood; false means the client hung up.
func (fl *flood) stream(w *bufio.Writer) bool {
	defer func() {
		select {
		case <-fl.done:
		default:
			close(fl.done)
		}
	}()
	if _, err := w.WriteString(fl.head); err != nil {
		return false
	}
	chunk := []byte(strings.Repeat("x", 64<<10))
	for fl.sent.Load() < fl.size {
		n, err := w.Write(chunk[:min(int64(len(chunk)), fl.size-fl.sent.Load())])
		fl.sent.Add(int64(n))
		if err != nil {
			return false
		}
	}
	_, err := w.WriteString(fl.tail)
	return err == nil
}

// fakeEndpoint starts f with the given security (a fresh self-signed
// certificate, pinned, for IMAPS and STARTTLS).
func fakeEndpoint(t *testing.T, f *fakeServer, sec store.Security) Endpoint {
	t.Helper()
	if sec == store.SecurityPlain {
		return startFake(t, f)
	}
	var pin string
	f.tls, pin = selfSigned(t)
	f.implicit = sec == store.SecurityTLS
	ep := startFake(t, f)
	ep.Security, ep.AllowPlaintext, ep.PinSHA256 = sec, false, pin
	return ep
}

// A server that answers with a 1 GiB literal where go-imap holds strings
// (a folder name in LIST, a STATUS name, one in a SELECT's reply, an
// ENVELOPE field, a header-fields section), or with a 1 GiB quoted string:
// over IMAPS, STARTTLS and plaintext alike the command fails at once with
// an error naming the size (not a timeout), memory stays flat, go-imap's
// reader ends and the connection is closed, so the server's stream stops.
func TestHugeLiteralInAGoIMAPReplyIsRefused(t *testing.T) {
	const huge = "{1073741824}\r\n"
	const sizeSaid = "1073741824-byte literal in a reply where at most 1048576 bytes are expected"
	for _, tc := range []struct {
		name, verb, head, tail, want string
		run                          func(context.Context, *Conn) error
	}{
		{"folder name in LIST", "LIST", `* LIST () "/" ` + huge, "\r\n", sizeSaid,
			func(ctx context.Context, c *Conn) error { _, err := c.Probe(ctx); return err }},
		{"name in STATUS", "STATUS", "* STATUS " + huge, " (MESSAGES 1)\r\n", sizeSaid,
			func(ctx context.Context, c *Conn) error { _, _, err := c.destStatus(ctx, "INBOX"); return err }},
		{"STATUS in a SELECT's reply", "EXAMINE", "* 3 EXISTS\r\n* STATUS " + huge, " (MESSAGES 1)\r\n", sizeSaid,
			func(ctx context.Context, c *Conn) error { return c.countFolder(ctx, &FolderInfo{Name: "INBOX"}, false) }},
		{"ENVELOPE subject", "UID FETCH", `* 1 FETCH (UID 1 ENVELOPE ("Mon, 1 Jan 2024 00:00:00 +0000" ` + huge,
			" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n", sizeSaid,
			func(ctx context.Context, c *Conn) error { _, err := c.listUIDs(ctx, []uint32{1}, true); return err }},
		{"header fields", "UID FETCH", "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (MESSAGE-ID)] " + huge, ")\r\n", sizeSaid,
			func(ctx context.Context, c *Conn) error { _, err := c.listUIDs(ctx, []uint32{1}, true); return err }},
		{"quoted folder name without end", "LIST", `* LIST () "/" "`, "\"\r\n", "a response line of more than 8388608 bytes",
			func(ctx context.Context, c *Conn) error { _, err := c.Probe(ctx); return err }},
	} {
		for _, sec := range []store.Security{store.SecurityPlain, store.SecurityTLS, store.SecuritySTARTTLS} {
			t.Run(tc.name+"/"+string(sec), func(t *testing.T) {
				fl := newFlood(tc.verb, tc.head, tc.tail)
				ep := fakeEndpoint(t, &fakeServer{flood: fl}, sec)
				ep.CommandTimeout = 20 * time.Second // a failure by timeout would take this long
				c, err := Dial(context.Background(), ep)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				stop := heapPeak()
				began := time.Now()
				err = tc.run(context.Background(), c)
				took, grew := time.Since(began), stop()
				t.Logf("%v after %v; heap +%d MB; the server sent %d MB", err, took.Round(time.Millisecond), grew>>20, fl.sent.Load()>>20)
				var ce *ConnError
				if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &ce) || ce.Kind != KindTooLarge {
					t.Fatalf("error %v, want a %s error saying %q", err, KindTooLarge, tc.want)
				}
				if isTimeout(err) || strings.Contains(err.Error(), "in time") {
					t.Fatalf("reported as a timeout: %v", err)
				}
				if took > 5*time.Second {
					t.Errorf("took %v to fail", took)
				}
				if grew > 64<<20 {
					t.Errorf("heap grew by %d MB", grew>>20)
				}
				select {
				case <-c.Client.Closed(): // go-imap's reader goroutine ended
				case <-time.After(5 * time.Second):
					t.Fatal("go-imap's reader still runs")
				}
				select {
				case <-fl.done:
				case <-time.After(5 * time.Second):
					t.Fatal("the server still streams: the connection was not closed")
				}
				if fl.sent.Load() >= fl.size {
					t.Fatalf("the whole %d bytes were read", fl.size)
				}
			})
		}
	}
}
