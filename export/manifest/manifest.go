// Package manifest writes and reads the manifest every export leaves next
// to its output: the number of messages and, for each, where it went, its
// size and the SHA-256 of its exact bytes, so a later run (or a customer)
// can verify the export without the source.
//
// The file is JSON, streamed: entries are written as messages are
// exported, so memory does not grow with the mailbox.
package manifest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Entry describes one exported message.
type Entry struct {
	Folder string   `json:"folder"`          // folder path, "/"-separated
	File   string   `json:"file"`            // output file, relative to the manifest
	Index  int      `json:"index"`           // position in File (mbox, pst), 0 for eml
	Size   int64    `json:"size"`            // bytes of the message
	SHA256 string   `json:"sha256"`          // hex SHA-256 of the exact bytes
	Flags  []string `json:"flags,omitempty"` // IMAP flags
	Date   string   `json:"date,omitempty"`  // INTERNALDATE, RFC 3339
}

// Manifest is a whole manifest as read back.
type Manifest struct {
	Format   string  `json:"format"`
	Messages []Entry `json:"messages"`
	Count    int     `json:"count"`
}

// Writer streams a manifest. Not safe for concurrent use.
type Writer struct {
	f     *os.File
	w     *bufio.Writer
	count int
	err   error
}

// Create starts a manifest at path.
func Create(path, format string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create manifest: %w", err)
	}
	w := &Writer{f: f, w: bufio.NewWriter(f)}
	fmt.Fprintf(w.w, "{\"format\":%q,\"messages\":[", format)
	return w, nil
}

// Add records one message.
func (w *Writer) Add(e Entry) error {
	if w.err != nil {
		return w.err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if w.count > 0 {
		w.w.WriteByte(',')
	}
	w.w.WriteString("\n")
	if _, err := w.w.Write(b); err != nil {
		w.err = fmt.Errorf("write manifest: %w", err)
		return w.err
	}
	w.count++
	return nil
}

// Count is the number of entries so far.
func (w *Writer) Count() int { return w.count }

// Close writes the count, syncs and closes the file.
func (w *Writer) Close() error {
	fmt.Fprintf(w.w, "\n],\"count\":%d}\n", w.count)
	if err := w.w.Flush(); err != nil {
		w.f.Close()
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		w.f.Close()
		return fmt.Errorf("sync manifest: %w", err)
	}
	return w.f.Close()
}

// Read parses a manifest and checks that the count matches its entries.
func Read(r io.Reader) (*Manifest, error) {
	var m Manifest
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if m.Count != len(m.Messages) {
		return nil, fmt.Errorf("manifest says %d messages but lists %d", m.Count, len(m.Messages))
	}
	return &m, nil
}
