package sync

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// The bulk FETCH borrows go-imap's session and gives it back in step, over
// plaintext, IMAPS and STARTTLS: go-imap's commands work between the
// borrowed ones, each borrow is prompt (the reader's wait is cut by a
// deadline, not by borrow's timeout), and a BAD leaves the session usable.
func TestBorrowedFetchLeavesTheSessionInStep(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{TLS: true, Users: map[string]string{"alice": canaryPassword}})
	msgs := testenv.SimpleMessages(5, "gate")
	d.Load(t, "alice", "INBOX", msgs)
	for _, tc := range []struct {
		name string
		addr string
		sec  store.Security
	}{{"plain", d.Addr, store.SecurityPlain}, {"imaps", d.TLSAddr, store.SecurityTLS}, {"starttls", d.Addr, store.SecuritySTARTTLS}} {
		t.Run(tc.name, func(t *testing.T) {
			ep := endpointFor(d, tc.addr, tc.sec, "alice")
			ep.PinSHA256 = d.Cert.SHA256()
			ctx := context.Background()
			c, err := Dial(ctx, ep)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for round := 0; round < 20; round++ {
				bodies := map[uint32]string{}
				err := c.fetchWire("1:* (UID FLAGS INTERNALDATE BODY.PEEK[])", func(it *fetchItems, r io.Reader, size int64) error {
					b, err := io.ReadAll(r)
					bodies[it.uid] = string(b)
					return err
				}, func(it *fetchItems) error { return nil })
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				for i, m := range msgs {
					if bodies[uint32(i+1)] != string(m.Raw) {
						t.Fatalf("round %d: uid %d differs: %q", round, i+1, bodies[uint32(i+1)])
					}
				}
				st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
				if err != nil || *st.NumMessages != 5 {
					t.Fatalf("round %d: go-imap after the borrowed FETCH: %v %v", round, st, err)
				}
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("20 borrowed FETCHes took %v: borrow waited for its timeout", took)
			}
			var ie *imap.Error
			if err := c.fetchWire("nonsense (UID)", nil, nil); !errors.As(err, &ie) || ie.Type != imap.StatusResponseTypeBad {
				t.Fatalf("a bad command: %v", err)
			}
			if err := c.Noop().Wait(); err != nil || c.ended() {
				t.Fatalf("after BAD the session must go on: %v", err)
			}
		})
	}
}

// A server that goes silent in the middle of a borrowed FETCH: closing the
// connection (what a cancelled pull or the stall watchdog does) ends the
// read and go-imap's Close returns; nothing hangs. The server's LOGIN
// answer lists no capabilities, so go-imap asks for them on its own just
// then: the borrow must wait for that answer, not read it as its own.
func TestCloseEndsABorrowedFetch(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		c.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] silent server\r\n"))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			if len(f) > 2 && strings.EqualFold(f[1], "UID") {
				c.Write([]byte("* 1 FETCH (UID 1 BODY[] {100}\r\nonly part of it"))
				continue // and nothing more
			}
			if len(f) > 0 {
				c.Write([]byte(f[0] + " OK done\r\n"))
			}
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(port)
	ep := Endpoint{Server: store.Server{Host: "127.0.0.1", Port: n, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: "alice", Password: []byte(canaryPassword), DialTimeout: 3 * time.Second, CommandTimeout: 30 * time.Second}
	c, err := Dial(context.Background(), ep)
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(200 * time.Millisecond); c.Close() }()
	done := make(chan error, 1)
	go func() {
		done <- c.fetchWire("1:* (UID BODY.PEEK[])", func(it *fetchItems, r io.Reader, size int64) error {
			_, err := io.Copy(io.Discard, r)
			return err
		}, func(*fetchItems) error { return nil })
	}()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("a FETCH cut off by Close ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the borrowed FETCH")
	}
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("go-imap's reader never ended after Close")
	}
}

// gateReader stands for go-imap's reader goroutine: it reads until an
// error, then stops for good, as go-imap's does.
func gateReader(g *gateConn) (got <-chan string, ended <-chan error) {
	out, end := make(chan string, 16), make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := g.Read(buf)
			if n > 0 {
				out <- string(buf[:n])
			}
			if err != nil {
				end <- err
				return
			}
		}
	}()
	return out, end
}

// The gate alone: a borrow parks the reader (whose read is in progress),
// the borrower has the bytes to itself, and on release the reader gets
// first what the borrower read past its reply, then the connection again.
func TestGateBorrowAndRelease(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	g := newGate(client)
	got, _ := gateReader(g)
	server.Write([]byte("before"))
	if s := <-got; s != "before" {
		t.Fatalf("reader got %q", s)
	}
	if err := g.borrow(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	go server.Write([]byte("borrowed+next"))
	buf := make([]byte, 64)
	n, err := g.under.Read(buf)
	if err != nil || string(buf[:n]) != "borrowed+next" {
		t.Fatalf("borrower read %q, %v", buf[:n], err)
	}
	select {
	case s := <-got:
		t.Fatalf("the reader got %q while the connection was borrowed", s)
	case <-time.After(50 * time.Millisecond):
	}
	g.release([]byte("+next"))
	if s := <-got; s != "+next" {
		t.Fatalf("after release the reader got %q, want what the borrower read ahead", s)
	}
	go server.Write([]byte("after"))
	if s := <-got; s != "after" {
		t.Fatalf("after release the reader got %q", s)
	}
}

// A connection that ended while go-imap was idle: its reader got the end
// and stopped, so it will never come to rest in the gate. borrow says so
// at once instead of waiting out its timeout.
func TestGateBorrowOfAnEndedConnection(t *testing.T) {
	client, server := net.Pipe()
	g := newGate(client)
	_, ended := gateReader(g)
	server.Close()
	<-ended
	start := time.Now()
	if err := g.borrow(30 * time.Second); !errors.Is(err, io.ErrUnexpectedEOF) || time.Since(start) > 5*time.Second {
		t.Fatalf("borrow of an ended connection: %v after %v", err, time.Since(start))
	}
}
