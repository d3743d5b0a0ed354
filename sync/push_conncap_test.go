package sync

import (
	"bytes"
	"context"
	"io"
	"net"
	gosync "sync"
	"sync/atomic"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// countingProxy forwards 127.0.0.1 connections to target and records the
// most connections open at once: what the destination's operator sees;
// and, per connection, how many APPEND commands the client sent over it.
type countingProxy struct {
	ln        net.Listener
	open, max atomic.Int32
	wg        gosync.WaitGroup
	mu        gosync.Mutex
	appends   []*wordCounter // one per connection accepted
}

// appendsPerConn is the APPEND count of every connection that carried one.
func (p *countingProxy) appendsPerConn() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for _, c := range p.appends {
		if n := int(c.n.Load()); n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// wordCounter counts occurrences of word in the bytes written to it,
// also across writes.
type wordCounter struct {
	word string
	tail []byte
	n    atomic.Int32
}

func (w *wordCounter) Write(p []byte) (int, error) {
	data := append(w.tail, p...)
	w.n.Add(int32(bytes.Count(data, []byte(w.word))))
	keep := min(len(data), len(w.word)-1) // too short to hold a whole word: never counted twice
	w.tail = append([]byte(nil), data[len(data)-keep:]...)
	return len(p), nil
}

func startCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			if n := p.open.Add(1); n > p.max.Load() {
				p.max.Store(n) // only the accept loop raises it
			}
			count := &wordCounter{word: " APPEND "}
			p.mu.Lock()
			p.appends = append(p.appends, count)
			p.mu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				done := make(chan struct{}, 2)
				go func() {
					io.Copy(io.MultiWriter(up, count), c)
					up.(*net.TCPConn).CloseWrite()
					done <- struct{}{}
				}()
				go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
				<-done
				<-done
				c.Close()
				up.Close()
				p.open.Add(-1)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

// The destination's connection cap counts every connection Mailshift
// opens to it, upload sessions included: a push with MaxConnections N never
// has more than N open at once (an operator's limit is a limit), and still
// delivers everything exactly once.
func TestPushStaysWithinTheConnectionCap(t *testing.T) {
	for _, maxConns := range []int{1, 2, 3} {
		e := newPushEnv(t, styleSlash, styleDot, 1)
		proxy := startCountingProxy(t, e.dst.Addr)
		ep := endpointFor(e.dst, proxy.ln.Addr().String(), store.SecurityPlain, testenv.DefaultUser)
		rep, err := Push(context.Background(), e.db, []PushMailbox{{Box: e.box, Endpoint: ep}}, PushOptions{MaxConnections: maxConns})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Exceptions() {
			t.Fatalf("cap %d: %s", maxConns, rep.Summary())
		}
		if got := proxy.max.Load(); got > int32(maxConns) || got == 0 {
			t.Fatalf("cap %d: %d connections were open at once", maxConns, got)
		}
		e.assertDestMatchesSource(t)
	}
}
