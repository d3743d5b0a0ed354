package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"
)

// do runs one blocking command under ctx and the command timeout: when
// either ends first, the connection is closed, which fails the command.
func (c *Conn) do(ctx context.Context, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, c.ep.CommandTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err := f()
	if !stop() && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return classify(c.ep.Addr(), fmt.Errorf("%w: command took longer than %v", context.DeadlineExceeded, c.ep.CommandTimeout), "")
		}
		return ctx.Err()
	}
	return c.withBye(err)
}

// withBye returns err, or why the session ended when the tap saw it:
// a reply it refused as too large to hold (a ConnError of KindTooLarge:
// go-imap reports only that its reader failed, or a command that never
// completed), or an untagged BYE from the server (a ConnError carrying the
// BYE's words, where a throttling server's suggested wait is, that wraps
// err).
func (c *Conn) withBye(err error) error {
	if err == nil || c.tap == nil {
		return err
	}
	if r := c.tap.refusal(); r != nil {
		return &ConnError{Kind: KindTooLarge, Server: c.ep.Addr(), Err: r}
	}
	if bye := c.tap.bye(); bye != nil {
		return byeError(c.ep.Addr(), bye, err)
	}
	return err
}

// doStream runs a long command (a FETCH of many bodies) under ctx with an
// inactivity timeout: f calls touch whenever data arrives, and only a
// command silent for longer than the command timeout is cut.
func (c *Conn) doStream(ctx context.Context, f func(touch func()) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu gosync.Mutex
	last := time.Now()
	touch := func() { mu.Lock(); last = time.Now(); mu.Unlock() }
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		t := time.NewTicker(c.ep.CommandTimeout / 4)
		defer t.Stop()
		for {
			select {
			case <-stopped:
				return
			case <-ctx.Done():
				select {
				case <-stopped: // the command ended first (its deferred cancel came after): nothing to cut
				default:
					c.Close()
				}
				return
			case <-t.C:
				mu.Lock()
				idle := time.Since(last)
				mu.Unlock()
				if idle > c.ep.CommandTimeout {
					cancel(errStalled)
				}
			}
		}
	}()
	err := f(touch)
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		if errors.Is(cause, errStalled) {
			return classify(c.ep.Addr(), fmt.Errorf("%w: no data for %v", context.DeadlineExceeded, c.ep.CommandTimeout), "")
		}
		return cause
	}
	return c.withBye(err)
}

var errStalled = errors.New("stalled")
