// Package pst writes Unicode Outlook data files (.pst) from RFC 5322
// messages, in one append-only pass: blocks are written as messages arrive,
// and the B-trees, allocation maps and header are written at Close. Memory
// stays bounded: B-tree entries and contents-table rows are spilled to
// temporary files, messages over 1 MiB are spooled to disk, and bodies and
// attachments are streamed into data trees.
//
// Messages are mapped (MIME parsing, transfer decoding, UTF-16 conversion)
// by a few worker goroutines while the caller's goroutine writes them, in
// the order they were added; the files are the same as when every message
// is mapped and written in turn (see pipeline.go, Options.Workers).
//
// Files written: <path> and, when the output is split, <base>-002.pst,
// <base>-003.pst … Each is written as <name>.partial and renamed only when
// complete, so a crash or a cancelled run leaves only *.partial files.
package pst

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultMaxSize is the default split size: 20 GB, what Outlook 2003/2007
// accept and what the Microsoft 365 import service recommends.
const DefaultMaxSize = 20_000_000_000

// Options configure a Writer.
type Options struct {
	// MaxSize splits the output into another file once a file would grow
	// past it (0: DefaultMaxSize). A single message larger than MaxSize
	// still gets a file of its own.
	MaxSize int64
	// DisplayName is the store's name as Outlook shows it (default: the
	// file's base name).
	DisplayName string
	// TempDir holds spill and spool files (default: the output folder).
	TempDir string
	// OnWarning is called, on the caller's goroutine, for every message
	// exported with a problem (malformed MIME, unknown charset, …), just
	// before its OnWritten.
	OnWarning func(Warning)
	// OnWritten is called, on the caller's goroutine (inside AddMessage,
	// Flush or Close), once for every message when it has been written,
	// in the order the messages were added.
	OnWritten func(Written)
	// Workers is how many goroutines map messages (MIME parsing, transfer
	// decoding, UTF-16 conversion) ahead of the caller's goroutine, which
	// writes them in the order they were added. 0 picks min(GOMAXPROCS, 3)
	// and none on a single CPU; a negative value means none: each message
	// is mapped and written inside its AddMessage. The files are laid out
	// the same either way (see pipeline.go).
	Workers int
	// random replaces crypto/rand for the store's UID and the messages'
	// search keys (tests: reproducible files).
	random io.Reader
	// holdWorkers starts no worker (tests: the Writer takes back and maps
	// every message it handed out); neverTakeBack makes the Writer wait
	// for the workers instead (tests: workers map every message they can).
	holdWorkers, neverTakeBack bool
}

// FolderID names a folder. Top is the top of the folder tree ("Top of
// Personal Folders"); AddFolder returns the others.
type FolderID int

// Top is the IPM subtree: the parent of top-level folders.
const Top FolderID = 0

// MessageMeta is what IMAP knows about a message besides its bytes.
type MessageMeta struct {
	Flags        []string  // IMAP flags: \Seen, \Flagged, \Answered, \Draft, keywords
	InternalDate time.Time // delivery time
}

// Warning reports a message that was exported with a problem.
type Warning struct {
	File     string
	FolderID FolderID
	Folder   string // the folder's name
	Subject  string
	Problem  string
	Raw      bool // the MIME structure was unreadable: raw headers and body kept
}

// Written says where a message went (see Options.OnWritten).
type Written struct {
	Folder FolderID
	File   string // final path of the file holding it
	Index  int    // its position among that file's messages, from 0
}

// Stats counts what a Writer wrote.
type Stats struct {
	Messages int
	Warnings int
	Bytes    int64 // input message bytes
}

// Writer writes one PST (or a split series). Its methods must be called
// from one goroutine at a time; after Create the caller must end with Close
// or Abort (which also stop the Writer's own goroutines).
type Writer struct {
	base    string
	opts    Options
	cur     *part
	done    []string
	folders []folderDef
	stats   Stats
	err     error
	closed  bool
	scratch *scratch // mapping buffers of the caller's goroutine, reused
	pipe    pipeline // workers mapping ahead (see pipeline.go)
}

type folderDef struct {
	parent FolderID
	name   string
}

// Create starts a PST at path (written as path+".partial").
func Create(path string, opts Options) (*Writer, error) {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.TempDir == "" {
		opts.TempDir = filepath.Dir(path)
	}
	if opts.DisplayName == "" {
		opts.DisplayName = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if opts.random == nil {
		opts.random = rand.Reader
	}
	w := &Writer{base: path, opts: opts}
	w.pipe.init(opts.Workers)
	w.pipe.paused, w.pipe.noTakeBack = opts.holdWorkers, opts.neverTakeBack
	p, err := openPart(path, opts.TempDir, opts.DisplayName, opts.random)
	if err != nil {
		return nil, err
	}
	w.cur = p
	return w, nil
}

// PartPath is the name of the n-th file (1-based) of a split series:
// out.pst, out-002.pst, out-003.pst …
func PartPath(path string, n int) string {
	if n <= 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%03d%s", strings.TrimSuffix(path, ext), n, ext)
}

// AddFolder creates a folder under parent (Top or a FolderID from an
// earlier call) and returns its id.
func (w *Writer) AddFolder(parent FolderID, name string) (FolderID, error) {
	if w.err != nil {
		return 0, w.err
	}
	if parent < 0 || int(parent) > len(w.folders) {
		return 0, fmt.Errorf("pst: add folder %q: unknown parent %d", name, parent)
	}
	w.folders = append(w.folders, folderDef{parent, name})
	return w.cur.addFolder(parent, name), nil
}

// Close writes the messages still in flight, finishes the current file
// and renames every file of the series from <name>.partial into place.
// Files then lists them. On an error the series is left as *.partial.
func (w *Writer) Close() error {
	if w.cur == nil {
		w.pipe.stop()
		return w.err
	}
	if w.err == nil {
		if err := w.drain(context.Background(), 0); err != nil {
			w.fail(err)
		}
	}
	w.pipe.stop()
	if w.err != nil {
		w.Abort()
		return w.err
	}
	p := w.cur
	w.cur = nil
	if err := p.close(); err != nil {
		p.abort()
		w.err = err
		return err
	}
	w.done = append(w.done, p.path)
	for _, f := range w.done {
		if err := os.Rename(f+".partial", f); err != nil {
			w.err = fmt.Errorf("rename %s.partial: %w", f, err)
			return w.err
		}
	}
	w.closed = true
	return nil
}

// Current is the path (final name) of the file being written. Messages
// added but still in flight may yet go to a later file: Options.OnWritten
// says where each message went.
func (w *Writer) Current() string {
	if w.cur == nil {
		return ""
	}
	return w.cur.path
}

// Abort stops writing: messages in flight are dropped, the Writer's
// goroutines have ended when it returns, temporary files are removed and
// every file of the series is left as <name>.partial (never under its
// final name).
func (w *Writer) Abort() {
	w.pipe.stop()
	if w.cur != nil {
		w.cur.abort()
		w.cur = nil
	}
	if w.err == nil {
		w.err = errors.New("pst: writer aborted")
	}
}

// Files returns the files written, in order, once Close has succeeded.
func (w *Writer) Files() []string {
	if !w.closed {
		return nil
	}
	return append([]string(nil), w.done...)
}

// Stats returns counts so far.
func (w *Writer) Stats() Stats { return w.stats }
