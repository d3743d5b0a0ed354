package sync

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// maybeHelp starts a helper connection when ranges wait in the queue and
// the folder has fewer connections than the cap.
func (f *folderFetch) maybeHelp(ctx context.Context) {
	f.mu.Lock()
	if f.noHelp || f.fatal != nil || f.workers >= f.r.opts.MaxConnections || len(f.queue) < 2 || ctx.Err() != nil {
		f.mu.Unlock()
		return
	}
	f.workers++
	f.mu.Unlock()
	f.helpers.Add(1)
	go func() {
		defer f.helpers.Done()
		f.help(ctx)
		f.mu.Lock()
		f.workers--
		f.mu.Unlock()
	}()
}

// help takes a connection if one is free now, opens the folder read-only
// on it and works ranges. A helper that cannot start costs nothing: the
// folder's own connection goes on.
func (f *folderFetch) help(ctx context.Context) {
	mb := f.box.MailboxID
	c, ok, err := f.r.pool.tryGet(ctx, mb)
	if err != nil {
		f.mu.Lock()
		f.noHelp = true // don't knock again for this folder
		f.mu.Unlock()
		if IsTooMany(err) && f.r.pool.shrink() {
			f.r.opts.Progress.Waiting(mb, "the server limits connections: continuing with one fewer")
		}
		return
	}
	if !ok {
		return
	}
	if err := f.open(ctx, c); err != nil {
		f.heed(err)
		f.r.pool.discard(c)
		return
	}
	if err := f.work(ctx, c, false); err != nil {
		f.heed(err)
		f.r.pool.discard(c)
		return
	}
	f.r.pool.put(mb, c)
}

// heed passes a helper's throttling on: when the server ended its session
// asking for a wait, no connection of the mailbox (helper or retry) is
// made before that wait is over, though the folder's own connection, if
// the server kept it, goes on.
func (f *folderFetch) heed(err error) {
	if d, ok := serverWait(err, f.r.opts.MaxThrottleWait); ok {
		f.r.pool.holdOff(f.box.MailboxID, d)
	}
}

// open selects the folder read-only on a helper's connection and checks
// it was not renumbered meanwhile.
func (f *folderFetch) open(ctx context.Context, c *Conn) error {
	var sel *imap.SelectData
	err := c.do(ctx, func() (err error) { sel, err = c.Select(f.st.Name, f.selectOpts).Wait(); return })
	if err != nil {
		return fmt.Errorf("open %q read-only: %w", f.st.Name, classify(c.ep.Addr(), err, ""))
	}
	if sel.UIDValidity != f.st.UIDValidity {
		return fmt.Errorf("folder %q was renumbered during the pull (UIDVALIDITY %d, now %d)", f.st.Name, f.st.UIDValidity, sel.UIDValidity)
	}
	return nil
}
