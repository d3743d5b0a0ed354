package sync

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
)

// imapRelay sits between the engine and a real Dovecot and understands
// just enough IMAP to act on whole units instead of byte counts: it tells
// the client's commands apart (tag, verb, literals) and hands every server
// response, literals included, to the test. A test can so lose exactly the
// tagged answer of one APPEND, cut one APPEND inside its literal, or change
// the words of a real refusal, wherever timing would put a byte-count cut
// (toxiproxy's limit_data) somewhere else on every run. Everything it does
// not act on passes unchanged, in order.
type imapRelay struct {
	upstream string
	ln       net.Listener
	refuse   atomic.Bool // new connections are closed at once: the destination is unreachable

	// literal, when set, is called before a client literal is forwarded
	// and returns how many of its size bytes go through; fewer cuts the
	// connection (both sides) right there.
	literal func(rc *relayConn, cmd relayCmd, size int64) int64
	// commandDone, when set, is called after a command went through
	// whole; true holds the client's side (nothing more goes up) until
	// the connection is cut.
	commandDone func(rc *relayConn, cmd relayCmd) bool
	// response, when set, sees each server response and returns what to
	// send the client instead (nil: nothing) and whether to cut the
	// connection after it.
	response func(rc *relayConn, resp []byte) ([]byte, bool)

	mu    gosync.Mutex
	conns []*relayConn
}

// relayCmd is one client command as it went up.
type relayCmd struct {
	tag, verb string
	literals  int // how many literals it carried (messages, for an APPEND)
}

// relayConn is one relayed connection.
type relayConn struct {
	down, up net.Conn
	mu       gosync.Mutex
	cmds     map[string]relayCmd // by tag
	cutOnce  gosync.Once
	cutDone  chan struct{}
}

// command is what the client sent under tag (known before the command's
// first byte goes up, so before any answer to it can come).
func (rc *relayConn) command(tag string) (relayCmd, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	c, ok := rc.cmds[tag]
	return c, ok
}

func (rc *relayConn) remember(c relayCmd) {
	rc.mu.Lock()
	rc.cmds[c.tag] = c
	rc.mu.Unlock()
}

// cut closes both sides.
func (rc *relayConn) cut() {
	rc.cutOnce.Do(func() {
		rc.down.Close()
		rc.up.Close()
		close(rc.cutDone)
	})
}

func (r *imapRelay) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.ln = ln
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, rc := range r.conns {
			rc.cut()
		}
	})
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			if r.refuse.Load() {
				down.Close()
				continue
			}
			up, err := net.DialTimeout("tcp", r.upstream, 5*time.Second)
			if err != nil {
				down.Close()
				continue
			}
			rc := &relayConn{down: down, up: up, cmds: map[string]relayCmd{}, cutDone: make(chan struct{})}
			r.mu.Lock()
			r.conns = append(r.conns, rc)
			r.mu.Unlock()
			go r.clientSide(rc)
			go r.serverSide(rc)
		}
	}()
	return ln.Addr().String()
}

// clientSide forwards the client's commands, literal by literal.
func (r *imapRelay) clientSide(rc *relayConn) {
	defer rc.cut()
	br := bufio.NewReader(rc.down)
	var cmd *relayCmd // the command going up; nil at the start of the next
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && cmd == nil {
			f := strings.Fields(string(line))
			c := relayCmd{}
			if len(f) > 0 {
				c.tag = f[0]
			}
			if len(f) > 1 {
				c.verb = strings.ToUpper(f[1])
			}
			cmd = &c
			rc.remember(c)
		}
		if _, werr := rc.up.Write(line); werr != nil || err != nil {
			return
		}
		n, ok := literalSize(strings.TrimRight(string(line), "\r\n"))
		if !ok {
			done := *cmd
			cmd = nil
			if r.commandDone != nil && r.commandDone(rc, done) {
				select { // held: the test cuts the connection
				case <-rc.cutDone:
				case <-time.After(time.Minute):
				}
				return
			}
			continue
		}
		cmd.literals++
		rc.remember(*cmd)
		fwd := n
		if r.literal != nil {
			fwd = min(max(r.literal(rc, *cmd, n), 0), n)
		}
		if _, err := io.CopyN(rc.up, br, fwd); err != nil || fwd < n {
			return
		}
	}
}

// serverSide forwards the server's responses, each whole with its literals.
func (r *imapRelay) serverSide(rc *relayConn) {
	defer rc.cut()
	br := bufio.NewReader(rc.up)
	for {
		resp, err := readResponse(br)
		if err != nil {
			rc.down.Write(resp)
			return
		}
		out, cut := resp, false
		if r.response != nil {
			out, cut = r.response(rc, resp)
		}
		if len(out) > 0 {
			if _, err := rc.down.Write(out); err != nil {
				return
			}
		}
		if cut {
			return
		}
	}
}

// readResponse reads one server response: a line, and when it ends in a
// literal, the literal and the rest of the response.
func readResponse(br *bufio.Reader) ([]byte, error) {
	var b []byte
	for {
		line, err := br.ReadBytes('\n')
		b = append(b, line...)
		if err != nil {
			return b, err
		}
		n, ok := literalSize(strings.TrimRight(string(line), "\r\n"))
		if !ok {
			return b, nil
		}
		lit := make([]byte, n)
		m, err := io.ReadFull(br, lit)
		b = append(b, lit[:m]...)
		if err != nil {
			return b, err
		}
	}
}

// taggedAnswer splits a tagged response into its tag and the rest; ok is
// false for untagged responses and continuation requests.
func taggedAnswer(resp []byte) (tag string, rest []byte, ok bool) {
	if len(resp) == 0 || resp[0] == '*' || resp[0] == '+' {
		return "", nil, false
	}
	t, rest, ok := bytes.Cut(resp, []byte(" "))
	return string(t), rest, ok
}
