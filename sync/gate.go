package sync

import (
	"errors"
	"io"
	"net"
	gosync "sync"
	"time"
)

// gateConn sits between go-imap and the connection so that the pull can
// borrow the session for its bulk FETCH and read the replies itself.
// go-imap (beta.8) parses every FETCH item on its reader goroutine and
// hands each one to the caller through a channel: measured on a 10,000-
// message pull, that cost more CPU than the SHA-256 of every byte, and
// the goroutine hand-offs stalled the stream (a loop reading the same
// replies itself, hashing and writing them, used half the CPU).
//
// Contract: between borrow and release, go-imap's reader goroutine is
// parked in Read and receives nothing; the borrower reads and writes the
// underlying connection (under) alone. Borrow only between commands:
// go-imap must have no command in flight. Bytes the borrower read past
// its command's end are given back (unread) and go-imap gets them first.
// Close wakes a parked reader with net.ErrClosed, so go-imap's Close
// returns.
type gateConn struct {
	under net.Conn

	mu       gosync.Mutex
	cond     *gosync.Cond
	held     bool      // a borrower has the connection
	parked   bool      // go-imap's reader is waiting in Read
	reading  bool      // go-imap's reader is inside under.Read
	closed   bool      // Close was called
	gone     bool      // go-imap's reader got an error: it reads no more
	readBack []byte    // bytes the borrower read ahead, for go-imap
	deadline time.Time // go-imap's read deadline
	since    time.Time // when the borrower took the connection
}

func newGate(c net.Conn) *gateConn {
	g := &gateConn{under: c}
	g.cond = gosync.NewCond(&g.mu)
	return g
}

var errGateTimeout = errors.New("the connection's reader did not come to rest")

// Read is go-imap's: it waits while the connection is borrowed. A read
// cut short by borrow's deadline kick is retried after release, so
// go-imap never sees it.
func (g *gateConn) Read(p []byte) (int, error) {
	for {
		g.mu.Lock()
		for g.held && !g.closed {
			g.parked = true
			g.cond.Broadcast()
			g.cond.Wait()
		}
		g.parked = false
		if g.closed {
			g.mu.Unlock()
			return 0, net.ErrClosed
		}
		if len(g.readBack) > 0 {
			n := copy(p, g.readBack)
			g.readBack = g.readBack[n:]
			g.mu.Unlock()
			return n, nil
		}
		g.reading = true
		g.mu.Unlock()
		n, err := g.under.Read(p)
		g.mu.Lock()
		g.reading = false
		kicked := g.held && n == 0 && isTimeout(err)
		if kicked {
			g.under.SetReadDeadline(time.Time{})
		} else if err != nil {
			g.gone = true // go-imap ends its reader on any error
			g.cond.Broadcast()
		}
		g.mu.Unlock()
		if !kicked {
			return n, err
		}
	}
}

// borrow takes the connection from go-imap: its reader, if inside a read,
// is woken by a past deadline, and borrow returns once it is parked (or
// with errGateTimeout after wait, net.ErrClosed after Close, or
// io.ErrUnexpectedEOF when the connection has ended).
func (g *gateConn) borrow(wait time.Duration) error {
	timer := time.AfterFunc(wait, func() { g.mu.Lock(); g.cond.Broadcast(); g.mu.Unlock() })
	defer timer.Stop()
	until := time.Now().Add(wait)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held = true
	for !g.parked && !g.closed && !g.gone {
		if g.reading {
			g.under.SetReadDeadline(time.Unix(1, 0))
		}
		if time.Now().After(until) {
			g.held = false
			g.cond.Broadcast()
			return errGateTimeout
		}
		g.cond.Wait()
	}
	switch {
	case g.closed:
		return net.ErrClosed
	case g.gone:
		g.held = false
		return io.ErrUnexpectedEOF
	}
	g.under.SetReadDeadline(time.Time{})
	g.since = time.Now()
	return nil
}

// release gives the connection back to go-imap, with the bytes the
// borrower read past its command (they belong to go-imap's next reply).
// go-imap's read deadline moves on by the time the borrow took: the wait
// it was timing did not run meanwhile.
func (g *gateConn) release(unread []byte) {
	g.mu.Lock()
	g.readBack = append(g.readBack[:0], unread...)
	g.held = false
	if !g.deadline.IsZero() {
		g.deadline = g.deadline.Add(time.Since(g.since))
	}
	g.under.SetReadDeadline(g.deadline)
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *gateConn) Write(p []byte) (int, error) { return g.under.Write(p) }

func (g *gateConn) Close() error {
	g.mu.Lock()
	g.closed = true
	g.cond.Broadcast()
	g.mu.Unlock()
	return g.under.Close()
}

// SetReadDeadline is go-imap's; while the connection is borrowed it is
// kept for release instead of cutting the borrower's reads.
func (g *gateConn) SetReadDeadline(t time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deadline = t
	if g.held {
		return nil
	}
	return g.under.SetReadDeadline(t)
}

func (g *gateConn) SetDeadline(t time.Time) error {
	if err := g.SetReadDeadline(t); err != nil {
		return err
	}
	return g.under.SetWriteDeadline(t)
}

func (g *gateConn) SetWriteDeadline(t time.Time) error { return g.under.SetWriteDeadline(t) }
func (g *gateConn) LocalAddr() net.Addr                { return g.under.LocalAddr() }
func (g *gateConn) RemoteAddr() net.Addr               { return g.under.RemoteAddr() }
