package pst

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// AddMessage maps the RFC 5322 message read from r into folder. r is read
// to its end before AddMessage returns; the message itself may be written
// later (by a later AddMessage, Flush or Close), in the order messages
// were added — Options.OnWritten says when and where. Malformed MIME is
// still exported (raw headers and body, plus the original as an .eml
// attachment) and reported through Options.OnWarning.
//
// An error reading r is returned and the Writer goes on. Any other error
// (which may concern a message added earlier) means the Writer cannot
// continue: every later call returns it, and the caller should call
// Abort. A cancelled ctx makes AddMessage return ctx's error without
// adding the message; messages already added stay in flight.
func (w *Writer) AddMessage(ctx context.Context, folder FolderID, r io.Reader, meta MessageMeta) error {
	if w.err != nil {
		return w.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if folder < 0 || int(folder) > len(w.folders) {
		return fmt.Errorf("pst: add message: unknown folder %d", folder)
	}
	pl := &w.pipe
	if pl.workers > 0 {
		// Make room first, so that at most maxInFlight buffers exist.
		if err := w.drain(ctx, pl.maxInFlight()-1); err != nil {
			return err
		}
	}
	buf := pl.buffer()
	src, err := spool(r, w.opts.TempDir, buf)
	if err != nil {
		pl.release(&spooled{}, buf)
		return err
	}
	if pl.workers > 0 && src.file == nil && src.size <= maxPipelined {
		for len(pl.window) > 0 && pl.bytes+src.size > maxInFlightBytes {
			if err := w.drain(ctx, len(pl.window)-1); err != nil {
				pl.release(src, buf)
				return err
			}
		}
		pl.submit(&job{folder: folder, meta: meta, src: src, buf: buf}, w.opts.TempDir)
		return nil
	}
	defer pl.release(src, buf)
	if err := w.drain(ctx, 0); err != nil {
		return err
	}
	return w.addStreaming(folder, src, meta)
}

// Flush writes every message added so far. It returns ctx's error if ctx
// ends first (the messages then stay in flight).
func (w *Writer) Flush(ctx context.Context) error {
	if w.err != nil {
		return w.err
	}
	return w.drain(ctx, 0)
}

// drain writes the oldest messages in flight until at most keep are left.
// A message no worker has taken yet is taken back and mapped here (as
// addStreaming does) rather than waited for, so a slow or descheduled
// worker never leaves the writer idle.
func (w *Writer) drain(ctx context.Context, keep int) error {
	pl := &w.pipe
	for len(pl.window) > keep {
		if err := ctx.Err(); err != nil {
			return err
		}
		j := pl.window[0]
		stolen := !pl.noTakeBack && pl.takeBack(j)
		if !stolen {
			select {
			case <-j.done:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		pl.window[0] = nil
		pl.window = pl.window[1:]
		pl.bytes -= j.src.size
		var err error
		if stolen {
			err = w.addStreaming(j.folder, j.src, j.meta)
		} else {
			err = w.writeJob(j)
		}
		pl.release(j.src, j.buf)
		if err != nil {
			return w.fail(err)
		}
	}
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = err
	return err
}

// writeJob writes a message a worker has prepared.
func (w *Writer) writeJob(j *job) error {
	if j.prep.err != nil {
		return j.prep.err
	}
	if err := w.maybeSplit(j.src.size); err != nil {
		return err
	}
	return w.finishMessage(j.folder, &j.prep, j.meta, j.src.size)
}

// addStreaming maps and writes a message on the caller's goroutine, its
// big values streamed into the file as they are read.
func (w *Writer) addStreaming(folder FolderID, src *spooled, meta MessageMeta) error {
	if err := w.maybeSplit(src.size); err != nil {
		return w.fail(err)
	}
	if w.scratch == nil {
		w.scratch = newScratch()
	}
	pm := mapPrepared(&valueStore{d: w.cur.d}, src, w.scratch, w.opts.TempDir)
	if pm.err != nil {
		return w.fail(pm.err)
	}
	return w.fail0(w.finishMessage(folder, &pm, meta, src.size))
}

// fail0 is fail for a possibly nil error.
func (w *Writer) fail0(err error) error {
	if err != nil {
		return w.fail(err)
	}
	return nil
}

// finishMessage writes a mapped message into the current file: its
// deferred values, the warning report, then the message objects.
func (w *Writer) finishMessage(folder FolderID, pm *prepared, meta MessageMeta, size int64) error {
	p := w.cur
	if err := pm.store.materialize(p.d); err != nil {
		return err
	}
	f := p.folders[folder]
	if len(pm.warns) > 0 {
		w.stats.Warnings++
		if w.opts.OnWarning != nil {
			w.opts.OnWarning(Warning{File: p.path, FolderID: folder, Folder: f.name, Subject: pm.m.subject,
				Problem: strings.Join(pm.warns, "; "), Raw: pm.raw})
		}
	}
	if err := p.writeMessage(f, pm.m, meta); err != nil {
		return err
	}
	w.stats.Messages++
	w.stats.Bytes += size
	if w.opts.OnWritten != nil {
		w.opts.OnWritten(Written{Folder: folder, File: p.path, Index: p.msgs - 1})
	}
	return nil
}

// maybeSplit starts the next file when this message would push the
// current one past MaxSize.
func (w *Writer) maybeSplit(msgSize int64) error {
	p := w.cur
	if p.msgs == 0 || p.projectedSize(msgSize) <= w.opts.MaxSize {
		return nil
	}
	if err := p.close(); err != nil {
		return err
	}
	w.done = append(w.done, p.path)
	w.cur = nil
	n := len(w.done) + 1
	next, err := openPart(PartPath(w.base, n), w.opts.TempDir, fmt.Sprintf("%s (%d)", w.opts.DisplayName, n), w.opts.random)
	if err != nil {
		return err
	}
	for _, f := range w.folders {
		next.addFolder(f.parent, f.name)
	}
	w.cur = next
	return nil
}
