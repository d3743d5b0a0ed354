package sync

import (
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
// most connections open at once: what the destination's operator sees.
type countingProxy struct {
	ln        net.Listener
	open, max atomic.Int32
	wg        gosync.WaitGroup
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
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				done := make(chan struct{}, 2)
				go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
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
