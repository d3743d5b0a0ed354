package sync

import (
	"context"
	"fmt"
	gosync "sync"
)

// Follow lets a push run beside the pull that feeds it (Copy), so that the
// destination takes mail in while the source still serves the rest, and a
// pass takes about as long as the slower of the two instead of their sum.
//
// The push works a folder in passes. Each pass is what a push run after
// an interrupted one does (the journal makes it exactly once), over a part
// of the folder that is final for this run: the UIDs below the pull's
// high-water mark, where every message is stored and none will be added
// later. A pass comes once that part has grown enough (passGrowth); the
// last pass comes once the pull has finished the folder, over everything
// it stored. One folderPush is carried from pass to pass, so the folder is
// reported once and every upload counted once. Copies of the same bytes
// keep their keys whatever order they were stored in (copyOrdinals).
//
// The pull hands over its listing of the source, so the push maps every
// folder at once, on the same listing, as it would after the pull. A pull
// given a Follow reports to it and ends it when it returns; a folder the
// pull could not finish gets its last pass then, with what it stored, as
// a push run after the pull would.
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
	// durable is, per folder the pull is copying, its high-water mark as
	// last committed: every UID below it is stored (or dealt with) and
	// none below it will be stored later in this run.
	durable map[string]uint32
	passes  map[string]*folderPass // the push's side, per folder
}

// folderPass is where the push stands with one folder beside the pull.
type folderPass struct {
	fp       *folderPush // carried from pass to pass: one report, one run's confirmations
	inFlight bool        // a pass is queued or running
	bound    uint32      // the last pass pushed the UIDs below this (0: none yet)
	final    bool        // the last pass covered everything the pull stored
	failed   bool        // a pass failed: the folder is reported, and gets no other pass
}

// newFollow returns a Follow for one pull and one push (Beside).
func newFollow() *Follow {
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
	b := &followBox{listed: &info, pending: map[string]bool{}, durable: map[string]uint32{}, passes: map[string]*folderPass{}}
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

// advanced is the pull's word that a commit took a folder's high-water
// mark to highWater.
func (f *Follow) advanced(mb, folder string, highWater uint32) {
	if f == nil {
		return
	}
	f.mu.Lock()
	if b := f.boxes[mb]; b != nil && highWater > b.durable[folder] {
		b.durable[folder] = highWater
		if f.trace != nil {
			f.trace(fmt.Sprintf("durable %s %s %d", mb, folder, highWater))
		}
		f.cond.Broadcast()
	}
	f.mu.Unlock()
}

// end is the pull's return: whatever it did not finish is as final as it
// will get in this run. Pull ends its Follow, and so does Beside (ending
// twice is harmless).
func (f *Follow) end() {
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

// nextPass waits until one of folders (in their order), with no pass in
// flight and no final pass yet, is worth a pass, marks that pass in flight
// and returns it: the folder's index, the UIDs to push (below upTo; 0 for
// all it stores, final) and the folderPush carried from its last pass (nil
// for its first). A folder is worth a pass once the pull has finished it,
// or once its durable prefix has grown past its last pass by passGrowth
// (so that the passes over a folder of n messages are about log n, each
// re-reading the journal of what went before). A folder whose pass failed
// comes back once with drop set: it gets no other pass. ok is false once
// ctx ended.
func (f *Follow) nextPass(ctx context.Context, mb string, folders []string) (i int, upTo uint32, carried *folderPush, drop, ok bool) {
	ok = f.wait(ctx, func() bool {
		b := f.boxes[mb]
		for j, name := range folders {
			final := f.ended || b == nil || !b.pending[name]
			var p *folderPass
			if b != nil {
				if p = b.passes[name]; p == nil {
					p = &folderPass{}
					b.passes[name] = p
				}
				if p.failed && !p.inFlight {
					i, drop = j, true
					return true
				}
				if p.inFlight || p.final {
					continue
				}
			}
			var hw uint32
			if !final {
				hw = b.durable[name]
				if hw <= 1 || hw < p.bound+max(passGrowth, p.bound) {
					continue
				}
			}
			if p != nil {
				p.inFlight, p.bound, p.final = true, hw, final
				carried = p.fp
			}
			i, upTo = j, hw
			return true
		}
		return false
	})
	return i, upTo, carried, drop, ok
}

// passGrowth is how much a folder's durable prefix (in UIDs) must grow
// before the push makes another pass over it beside the pull; a variable
// so that tests can pass over small folders.
var passGrowth uint32 = 1000

// passEnded is the push's word that a pass over folder ended; fp goes to
// its next pass. A pass that failed ends the folder: it is not passed
// over again in this run.
func (f *Follow) passEnded(mb, folder string, fp *folderPush, failed bool) {
	f.mu.Lock()
	if b := f.boxes[mb]; b != nil {
		if p := b.passes[folder]; p != nil {
			p.inFlight, p.fp = false, fp
			p.failed = p.failed || failed
		}
	}
	f.cond.Broadcast()
	f.mu.Unlock()
}
