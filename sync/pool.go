package sync

import (
	"context"
	gosync "sync"
	"time"
)

// pool shares a server's connection cap among mailboxes: at most cap
// connections are open at once; idle ones are reused by their mailbox, or
// closed to make room for another's.
type pool struct {
	mu   gosync.Mutex
	idle map[string][]*Conn
	slot chan struct{} // one token per open connection
	dial func(ctx context.Context, mailbox string) (*Conn, error)
	held int // slots taken out of use after "too many connections"
	// resume holds, per mailbox, the time before which no new connection
	// is made: a throttling server's suggested wait (holdOff).
	resume map[string]time.Time
}

// holdOff makes no new connection for mailbox for d: a server asked the
// run to wait, and every worker and helper of the mailbox waits with it,
// not only the one whose session ended. Idle connections may still be
// reused (they are checked for having been closed).
func (p *pool) holdOff(mailbox string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := time.Now().Add(d); t.After(p.resume[mailbox]) {
		p.resume[mailbox] = t
	}
}

// shrink lowers the cap by one (never below one) after the server said
// "too many connections": the run goes on with fewer. It takes a free slot
// if one is free now; otherwise the server's limit is met again later and
// shrink is called again.
func (p *pool) shrink() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cap(p.slot)-p.held <= 1 {
		return false
	}
	select {
	case p.slot <- struct{}{}:
		p.held++
		return true
	default:
		return false
	}
}

func newPool(cap int, dial func(ctx context.Context, mailbox string) (*Conn, error)) *pool {
	return &pool{idle: map[string][]*Conn{}, slot: make(chan struct{}, cap), dial: dial, resume: map[string]time.Time{}}
}

// get returns a logged-in connection for mailbox; give it back with put,
// or drop it (broken) with discard.
func (p *pool) get(ctx context.Context, mailbox string) (*Conn, error) {
	for {
		c, ok, err := p.tryGet(ctx, mailbox)
		if ok || err != nil {
			return c, err
		}
		// Every slot is in use, or the server asked for a pause: wait a
		// little (or to the pause's end) and look again (a busy
		// connection may come back idle rather than free its slot).
		p.mu.Lock()
		d := max(time.Until(p.resume[mailbox]), 20*time.Millisecond)
		p.mu.Unlock()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// tryGet is get without waiting for a slot: it returns (nil, false, nil)
// when every slot is in use by a busy connection, or when a new
// connection would be needed during a holdOff. Idle connections the
// server has closed meanwhile are dropped, never handed out. Helpers that
// share a large folder's UID ranges use it, so they never hold up other
// folders.
func (p *pool) tryGet(ctx context.Context, mailbox string) (*Conn, bool, error) {
	p.mu.Lock()
	for cs := p.idle[mailbox]; len(cs) > 0; cs = p.idle[mailbox] {
		c := cs[len(cs)-1]
		p.idle[mailbox] = cs[:len(cs)-1]
		if c.ended() {
			// The server closed it while idle (a throttling BYE, an idle
			// timeout): drop it rather than fail an attempt on it.
			p.mu.Unlock()
			p.discard(c)
			p.mu.Lock()
			continue
		}
		p.mu.Unlock()
		return c, true, nil
	}
	if time.Now().Before(p.resume[mailbox]) {
		p.mu.Unlock()
		return nil, false, nil
	}
	got := false
	select {
	case p.slot <- struct{}{}:
		got = true
	default:
		// Full: close someone's idle connection and take its slot.
		for mb, cs := range p.idle {
			if len(cs) > 0 {
				cs[len(cs)-1].Close() // its slot passes to us
				p.idle[mb] = cs[:len(cs)-1]
				got = true
				break
			}
		}
	}
	p.mu.Unlock()
	if !got {
		return nil, false, nil
	}
	c, err := p.dial(ctx, mailbox)
	if err != nil {
		<-p.slot
		return nil, false, err
	}
	return c, true, nil
}

func (p *pool) put(mailbox string, c *Conn) {
	p.mu.Lock()
	p.idle[mailbox] = append(p.idle[mailbox], c)
	p.mu.Unlock()
}

func (p *pool) discard(c *Conn) {
	c.Close()
	<-p.slot
}

func (p *pool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for mb, cs := range p.idle {
		for _, c := range cs {
			c.Close()
			<-p.slot
		}
		delete(p.idle, mb)
	}
}
