// Package pst writes Unicode Outlook data files (.pst) from RFC 5322
// messages, in one append-only pass: blocks are written as messages arrive,
// and the B-trees, allocation maps and header are written at Close. Memory
// stays bounded: B-tree entries and contents-table rows are spilled to
// temporary files, messages over 4 MiB are spooled to disk, and bodies and
// attachments are streamed into data trees.
//
// Files written: <path> and, when the output is split, <base>-002.pst,
// <base>-003.pst … Each is written as <name>.partial and renamed only when
// complete, so a crash or a cancelled run leaves only *.partial files.
package pst

import (
	"bytes"
	"context"
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
	// exported with a problem (malformed MIME, unknown charset, …).
	OnWarning func(Warning)
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
	File    string
	Folder  string
	Subject string
	Problem string
	Raw     bool // the MIME structure was unreadable: raw headers and body kept
}

// Stats counts what a Writer wrote.
type Stats struct {
	Messages int
	Warnings int
	Bytes    int64 // input message bytes
}

// Writer writes one PST (or a split series). Not safe for concurrent use.
type Writer struct {
	base    string
	opts    Options
	cur     *part
	done    []string
	folders []folderDef
	stats   Stats
	err     error
	closed  bool
	// spoolBuf holds the message being mapped (reused: one message at a time).
	spoolBuf bytes.Buffer
	scratch  *scratch // mapping buffers, reused
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
	w := &Writer{base: path, opts: opts}
	p, err := openPart(path, opts.TempDir, opts.DisplayName)
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

// AddMessage maps the RFC 5322 message read from r into folder. Malformed
// MIME is still exported (raw headers and body, plus the original as an
// .eml attachment) and reported through Options.OnWarning. An error means
// the Writer cannot continue; Close then removes nothing but the caller
// should call Abort.
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
	src, err := spool(r, w.opts.TempDir, &w.spoolBuf)
	if err != nil {
		return err
	}
	defer src.close()
	if err := w.maybeSplit(src.size); err != nil {
		return w.fail(err)
	}
	if err := w.addTo(w.cur, folder, src, meta); err != nil {
		return w.fail(err)
	}
	w.stats.Messages++
	w.stats.Bytes += src.size
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = err
	return err
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
	next, err := openPart(PartPath(w.base, len(w.done)+1), w.opts.TempDir, fmt.Sprintf("%s (%d)", w.opts.DisplayName, len(w.done)+1))
	if err != nil {
		return err
	}
	for _, f := range w.folders {
		next.addFolder(f.parent, f.name)
	}
	w.cur = next
	return nil
}

func (w *Writer) addTo(p *part, folder FolderID, src *spooled, meta MessageMeta) error {
	mk := p.d.setMark()
	if w.scratch == nil {
		w.scratch = newScratch()
	}
	mp := &mapper{d: p.d, scratch: w.scratch, tmpDir: w.opts.TempDir}
	err := mp.mapMessage(src)
	raw := false
	if errors.Is(err, errMalformed) {
		mp.warn("%v", err)
		if err := p.d.rollback(mk); err != nil {
			return err
		}
		raw = true
		if err = mp.rawMessage(src); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if len(mp.warns) > 0 {
		w.stats.Warnings++
		if w.opts.OnWarning != nil {
			w.opts.OnWarning(Warning{File: p.path, Folder: p.folders[folder].name, Subject: mp.m.subject,
				Problem: strings.Join(mp.warns, "; "), Raw: raw})
		}
	}
	return p.writeMessage(p.folders[folder], mp.m, meta)
}

// rawMessage maps a message whose MIME cannot be walked: the envelope as
// far as the header parses, the raw header block as transport headers, the
// raw body as the text body, and the whole original as an attachment.
func (mp *mapper) rawMessage(src *spooled) error {
	old := mp.m
	mp.m = &message{importance: 1, headers: old.headers, subject: old.subject, fromName: old.fromName,
		fromAddr: old.fromAddr, senderName: old.senderName, senderAddr: old.senderAddr,
		recipients: old.recipients, submit: old.submit, messageID: old.messageID}
	if mp.m.subject == "" {
		mp.m.subject = "(unreadable message)"
	}
	body := src.reader()
	if _, err := io.CopyN(io.Discard, body, int64(headerEnd(src.head(1<<20)))); err != nil {
		return err
	}
	sink := newValueSink(mp.d)
	if _, err := textTo(sink, body, true); err != nil {
		return err
	}
	v, err := sink.finish()
	if err != nil {
		return err
	}
	mp.m.body = v
	orig := newValueSink(mp.d)
	if _, err := io.Copy(orig, src.reader()); err != nil {
		return err
	}
	ov, err := orig.finish()
	if err != nil {
		return err
	}
	mp.m.attachments = []attachment{{filename: "original.eml", mimeType: "message/rfc822", data: *ov}}
	return nil
}

// Close finishes the current file and renames every file of the series
// from <name>.partial into place. Files then lists them.
func (w *Writer) Close() error {
	if w.cur == nil {
		return w.err
	}
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

// Current is the path (final name) of the file being written.
func (w *Writer) Current() string {
	if w.cur == nil {
		return ""
	}
	return w.cur.path
}

// Abort stops writing: temporary files are removed and every file of the
// series is left as <name>.partial (never under its final name).
func (w *Writer) Abort() {
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
