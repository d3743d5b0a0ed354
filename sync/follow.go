package sync

import (
	"context"
	gosync "sync"
)

// Follow lets a push run beside the pull that feeds it (Copy): the push
// starts a folder once the pull has finished it, so the destination takes
// one folder in while the source still serves the next, and a pass takes
// about as long as the slower of the two instead of their sum. A folder is
// never pushed while the pull still writes it: what the push plans from
// (the folder's messages, its UIDVALIDITY) is final for this run when it
// starts. The pull hands over its listing of the source, so the push maps
// every folder at once, on the same listing, as it would after the pull.
//
// A pull given a Follow reports to it and ends it when it returns; a
// folder the pull could not finish is pushed then, with what it stored,
// as a push run after the pull would.
type Follow struct {
	mu    gosync.Mutex
	cond  gosync.Cond
	boxes map[string]*followBox
	ended bool
	trace func(event string) // tests: the pull's reports, in order, under mu
}

type followBox struct {
	listed  *ServerInfo     // the source as the pull listed it
	pending map[string]bool // folders the pull has still to finish
}

// NewFollow returns a Follow for one pull and one push.
func NewFollow() *Follow {
	f := &Follow{boxes: map[string]*followBox{}}
	f.cond.L = &f.mu
	return f
}

// listed is the pull's word that it listed mailbox mb's source (info) and
// will copy the folders named in pending; every other folder is final.
func (f *Follow) listed(mb string, info ServerInfo, pending []string) {
	if f == nil {
		return
	}
	b := &followBox{listed: &info, pending: map[string]bool{}}
	for _, name := range pending {
		b.pending[name] = true
	}
	f.mu.Lock()
	f.boxes[mb] = b
	f.cond.Broadcast()
	f.mu.Unlock()
}

// finished is the pull's word that it copied a folder in full.
func (f *Follow) finished(mb, folder string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	if b := f.boxes[mb]; b != nil {
		delete(b.pending, folder)
	}
	if f.trace != nil {
		f.trace("pulled " + mb + " " + folder)
	}
	f.cond.Broadcast()
	f.mu.Unlock()
}

// End is the pull's return: whatever it did not finish is as final as it
// will get in this run. Pull ends its Follow itself; a caller that may
// fail before its pull starts ends it too (ending twice is harmless), or
// the push beside it would wait for ever.
func (f *Follow) End() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.ended = true
	if f.trace != nil {
		f.trace("pull ended")
	}
	f.cond.Broadcast()
	f.mu.Unlock()
}

// wait runs ready under the lock until it returns true, waking whenever
// the pull reports; it returns false once ctx ended.
func (f *Follow) wait(ctx context.Context, ready func() bool) bool {
	stop := context.AfterFunc(ctx, func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for ctx.Err() == nil {
		if ready() {
			return true
		}
		f.cond.Wait()
	}
	return false
}

// source waits until the pull listed mailbox mb, and returns that listing;
// nil when the pull ended without listing it (the push then maps on what
// the store knows, as on its own). ok is false when ctx ended.
func (f *Follow) source(ctx context.Context, mb string) (info *ServerInfo, ok bool) {
	ok = f.wait(ctx, func() bool {
		if b := f.boxes[mb]; b != nil {
			info = b.listed
			return true
		}
		return f.ended
	})
	return info, ok
}

// next waits until one of folders (in their order) is final and returns
// its index; -1 when ctx ended.
func (f *Follow) next(ctx context.Context, mb string, folders []string) int {
	i := -1
	f.wait(ctx, func() bool {
		b := f.boxes[mb]
		for j, name := range folders {
			if f.ended || b == nil || !b.pending[name] {
				i = j
				return true
			}
		}
		return false
	})
	return i
}
