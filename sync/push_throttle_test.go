package sync

import (
	"bytes"
	"context"
	"io"
	"net"
	gosync "sync"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// throttlingProxy forwards 127.0.0.1 connections to a real server and,
// once the client has sent afterAppends APPEND commands over all
// connections, answers the connection that sent the last one with a
// throttling BYE naming a wait, as Exchange Online and busy hosts do, and
// ends it. It records when that happened and when every connection was
// accepted.
type throttlingProxy struct {
	ln           net.Listener
	afterAppends int
	bye          string

	mu       gosync.Mutex
	appends  int
	byeAt    time.Time
	accepted []time.Time
	wg       gosync.WaitGroup
}

func startThrottlingProxy(t *testing.T, target string, afterAppends int, bye string) *throttlingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &throttlingProxy{ln: ln, afterAppends: afterAppends, bye: bye}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.accepted = append(p.accepted, time.Now())
			p.mu.Unlock()
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.relay(c, up) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

// relay copies both ways. Server bytes reach the client a chunk at a
// time under wmu; the BYE is written only between two complete lines, so
// the client reads it as a line of its own.
func (p *throttlingProxy) relay(c, up net.Conn) {
	var wmu gosync.Mutex
	lineEnd, throttled, pending := true, false, false
	sendBye := func() { // with wmu held
		throttled = true
		up.Close()
		io.WriteString(c, p.bye)
		// The client may still be writing its window: read and drop it
		// for a moment (a reset would hide the BYE), then hang up.
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 32<<10)
		for {
			n, err := up.Read(buf)
			wmu.Lock()
			if throttled {
				wmu.Unlock()
				return
			}
			if n > 0 {
				c.Write(buf[:n])
				lineEnd = bytes.HasSuffix(buf[:n], []byte("\r\n"))
				if pending && lineEnd {
					sendBye()
				}
			}
			wmu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	counter := &wordCounter{word: " APPEND "}
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		wmu.Lock()
		if n > 0 && !throttled {
			before := counter.n.Load()
			counter.Write(buf[:n])
			up.Write(buf[:n])
			if added := int(counter.n.Load() - before); added > 0 {
				p.mu.Lock()
				p.appends += added
				fire := p.byeAt.IsZero() && p.appends >= p.afterAppends
				if fire {
					p.byeAt = time.Now()
				}
				p.mu.Unlock()
				if fire {
					if lineEnd {
						sendBye()
					} else {
						pending = true
					}
				}
			}
		}
		wmu.Unlock()
		if err != nil {
			break
		}
	}
	c.Close()
	up.Close()
	<-done
}

// A destination that throttles in the middle of an upload — "* BYE
// [UNAVAILABLE] … retry in 2 seconds" — is waited out as it asked: no
// connection is made to it again within those 2 seconds (though the
// configured backoff is 10 ms), the push then completes, and every message
// is on the destination exactly once with its flags and date.
func TestPushHonoursAThrottlingByesSuggestedWait(t *testing.T) {
	e := newPushEnv(t, styleSlash, styleDot, 1)
	const wait = 2 * time.Second
	proxy := startThrottlingProxy(t, e.dst.Addr, 6, "* BYE [UNAVAILABLE] Too many requests, retry in 2 seconds\r\n")
	ep := endpointFor(e.dst, proxy.ln.Addr().String(), store.SecurityPlain, testenv.DefaultUser)
	rep, err := Push(context.Background(), e.db, []PushMailbox{{Box: e.box, Endpoint: ep}},
		PushOptions{MaxConnections: 2, Window: 10, Backoff: 10 * time.Millisecond, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Exceptions() {
		t.Fatalf("push: %s", rep.Summary())
	}
	proxy.mu.Lock()
	byeAt, accepted := proxy.byeAt, append([]time.Time(nil), proxy.accepted...)
	proxy.mu.Unlock()
	if byeAt.IsZero() {
		t.Fatalf("the proxy never throttled: %d APPEND commands were sent, want 6", proxy.appends)
	}
	after := 0
	for _, at := range accepted {
		if at.After(byeAt) {
			after++
			// 100 ms of slack for the clocks of two goroutines.
			if gap := at.Sub(byeAt); gap < wait-100*time.Millisecond {
				t.Fatalf("a connection was made %v after the BYE that asked for %v", gap, wait)
			}
		}
	}
	if after == 0 {
		t.Fatal("no connection after the BYE: the push cannot have finished through the proxy")
	}
	e.assertDestMatchesSource(t)
}
