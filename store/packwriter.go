package store

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"
)

// PackWriter appends messages to one pack file. Not safe for concurrent
// use: each worker has its own.
type PackWriter struct {
	db       *DB
	f        *os.File
	w        *bufio.Writer
	pack     uint32
	size     uint64
	unsync   int // messages appended since the last Sync
	lastSync time.Time
	copyBuf  []byte // reused by every Append: no allocation per message
	cached   uint64 // bytes from here on may still be in the page cache
	// broken is the first write failure (a full disk): the buffered
	// writer keeps failing after one, so the writer is done for, and
	// Close cuts the pack back to flushed, the end of what any batch may
	// refer to, giving the space of the lost tail back.
	broken  error
	flushed uint64
	// recent is where this writer put the bytes of the last recentBlobs
	// hashes it wrote (the first copy of each), oldest first in order: a
	// copy of a message it fetched moments ago, not yet indexed, is found
	// here (Earlier).
	recent map[Hash]Blob
	order  []Hash // a ring: the oldest at next once full
	next   int
}

// recentBlobs bounds what a writer remembers for Earlier: about 100 kB.
const recentBlobs = 1024

// NewPackWriter opens a writer on a fresh pack.
func (db *DB) NewPackWriter() (*PackWriter, error) {
	pw := &PackWriter{db: db, lastSync: time.Now()}
	return pw, pw.rotate()
}

func (pw *PackWriter) rotate() error {
	if pw.f != nil {
		if err := pw.Sync(); err != nil {
			return err
		}
		pw.f.Close()
	}
	n, err := pw.db.nextPack()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(pw.db.packPath(n), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create message pack: %w", err)
	}
	pw.f, pw.w, pw.pack, pw.size, pw.cached, pw.flushed = f, bufio.NewWriterSize(writeFailures{f, pw}, 256<<10), n, 0, 0, 0
	// The new file's name must survive a crash too, not only its bytes.
	if err := syncDir(pw.db.packDir()); err != nil {
		return fmt.Errorf("create message pack: %w", err)
	}
	return nil
}

// Append streams r into the pack while hashing it. The bytes are not yet
// durable: call Sync, then index the returned Blob. expect, when > 0, is
// the size the server announced; a short read is an error and the partial
// bytes are left unreferenced.
func (pw *PackWriter) Append(r io.Reader, expect int64) (Hash, Blob, error) {
	if pw.size >= MaxPackSize {
		if err := pw.rotate(); err != nil {
			return Hash{}, Blob{}, err
		}
	}
	h := sha256.New()
	start := pw.size
	if pw.copyBuf == nil {
		pw.copyBuf = make([]byte, 64<<10)
	}
	n, err := io.CopyBuffer(io.MultiWriter(pw.w, h), r, pw.copyBuf)
	pw.size += uint64(n)
	if err != nil {
		return Hash{}, Blob{}, fmt.Errorf("store message: %w", err)
	}
	if expect > 0 && n != expect {
		return Hash{}, Blob{}, fmt.Errorf("store message: got %d bytes of %d", n, expect)
	}
	pw.unsync++
	out, bl := sum(h), Blob{Pack: pw.pack, Offset: start, Size: uint64(n)}
	pw.remember(out, bl)
	return out, bl, nil
}

func (pw *PackWriter) remember(h Hash, bl Blob) {
	if pw.recent == nil {
		pw.recent = make(map[Hash]Blob, recentBlobs)
	}
	if _, ok := pw.recent[h]; ok {
		return // the first copy stays the one to refer to
	}
	pw.recent[h] = bl
	if len(pw.order) < recentBlobs {
		pw.order = append(pw.order, h)
		return
	}
	delete(pw.recent, pw.order[pw.next])
	pw.order[pw.next], pw.next = h, (pw.next+1)%recentBlobs
}

// Earlier returns where this writer wrote bytes with hash h before bl (the
// last Append's result), if it did lately. Those bytes are complete, and
// durable once bl is (one file, or an earlier one synced when it was
// closed): a batch may index them for a record of its own, indexed or not
// by their own batch.
func (pw *PackWriter) Earlier(h Hash, bl Blob) (Blob, bool) {
	first, ok := pw.recent[h]
	return first, ok && first != bl
}

// Unappend takes back the message the last Append wrote (h, bl): its bytes
// turned out to be stored already (the same message in another folder or
// mailbox), and a copy nothing refers to would keep its disk space for
// good, since only a pack's tail is given back when the store opens. It
// reports whether the bytes are gone; when not, they stay unreferenced and
// the writer goes on. bl must be the last Append's result, before any
// Sync or Flush.
func (pw *PackWriter) Unappend(h Hash, bl Blob) bool {
	if pw.broken != nil || bl.Pack != pw.pack || bl.Offset+bl.Size != pw.size || bl.Offset < pw.flushed {
		return false
	}
	// The buffered writer cannot drop bytes: write them all out and cut
	// the file back. Copies are few; the cost is a write that was coming
	// anyway, a truncate and a seek.
	if err := pw.w.Flush(); err != nil {
		return false
	}
	if err := pw.f.Truncate(int64(bl.Offset)); err != nil {
		return false // the bytes stay, unreferenced, and the file's end too
	}
	if _, err := pw.f.Seek(int64(bl.Offset), io.SeekStart); err != nil {
		pw.broken = fmt.Errorf("rewind the pack after a copy: %w", err) // where the next bytes would land is unknown
		return false
	}
	pw.size = bl.Offset
	pw.unsync--
	if pw.recent[h] == bl {
		// It was the last remembered: its slot in the ring is taken back.
		delete(pw.recent, h)
		if len(pw.order) < recentBlobs {
			pw.order = pw.order[:len(pw.order)-1]
		} else {
			pw.next = (pw.next + recentBlobs - 1) % recentBlobs
			pw.order[pw.next] = Hash{} // re-filled by the next; never deleted twice: not in recent
		}
	}
	return true
}

func sum(h hash.Hash) Hash {
	var out Hash
	copy(out[:], h.Sum(nil))
	return out
}

// Pending is how many appended messages await Sync, and since when.
func (pw *PackWriter) Pending() (int, time.Duration) { return pw.unsync, time.Since(pw.lastSync) }

// Sync makes everything appended so far durable (one fsync for the group).
func (pw *PackWriter) Sync() error {
	if err := pw.w.Flush(); err != nil {
		return fmt.Errorf("write message pack: %w", err)
	}
	pw.flushed = pw.size
	if pw.unsync > 0 {
		if err := pw.f.Sync(); err != nil {
			return fmt.Errorf("sync message pack: %w", err)
		}
		dropCached(pw.f, pw.cached, pw.size)
		pw.cached = pw.size
	}
	pw.unsync, pw.lastSync = 0, time.Now()
	return nil
}

// Flush hands everything appended so far to the operating system (no
// fsync) and returns durable, which fsyncs it. The writer may go on
// appending while another goroutine calls durable (an fsync covers every
// byte written before it), so fetching the next batch overlaps making the
// last one durable. durable is safe to call after the pack was rotated or
// closed: both sync first. Once durable, the bytes are dropped from the
// page cache (dropCached).
func (pw *PackWriter) Flush() (durable func() error, err error) {
	if err := pw.w.Flush(); err != nil {
		return nil, fmt.Errorf("write message pack: %w", err)
	}
	f, from, to := pw.f, pw.cached, pw.size
	pw.unsync, pw.lastSync, pw.cached, pw.flushed = 0, time.Now(), pw.size, pw.size
	return func() error {
		if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
			return fmt.Errorf("sync message pack: %w", err)
		}
		dropCached(f, from, to)
		return nil
	}, nil
}

// Close syncs and closes the pack. An empty pack is removed. After a write
// failure it cuts the pack back to the end of what was flushed (the bytes
// after it belong to no batch) and returns that failure.
func (pw *PackWriter) Close() error {
	if pw.f == nil {
		return nil
	}
	if pw.broken != nil {
		pw.f.Truncate(int64(pw.flushed)) // best effort: only space is at stake
		pw.f.Close()
		if pw.flushed == 0 {
			os.Remove(pw.db.packPath(pw.pack))
		}
		pw.f = nil
		return fmt.Errorf("write message pack: %w", pw.broken)
	}
	err := pw.Sync()
	pw.f.Close()
	if pw.size == 0 {
		os.Remove(pw.db.packPath(pw.pack))
	}
	pw.f = nil
	return err
}

// writeFailures passes writes to the pack file and keeps the first failure
// in pw.broken.
type writeFailures struct {
	f  *os.File
	pw *PackWriter
}

func (w writeFailures) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil && w.pw.broken == nil {
		w.pw.broken = err
	}
	return n, err
}
