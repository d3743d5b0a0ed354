package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"mailshift/export/manifest"
)

// deferredOutput is an output that writes a message after add returns (PST:
// its writer maps messages on worker goroutines). add's entry then lacks
// File and Index; written returns them, in add order, for the messages
// written since its last call, and flush writes every message added.
type deferredOutput interface {
	written() []manifest.Entry
	flush(ctx context.Context) error
}

// exported is a message read and handed to the output, waiting (for a
// deferredOutput) to be written before it is recorded.
type exported struct {
	folder Folder
	entry  manifest.Entry
	n      int64
	sum    [32]byte // the source's SHA-256, when known
}

// record adds a written message to the manifest and the result, and
// reports it.
func (r *Result) record(mf *manifest.Writer, prog Progress, e exported) error {
	if err := mf.Add(e.entry); err != nil {
		return err
	}
	f := e.folder.String()
	r.Messages++
	r.Bytes += e.n
	r.Folders[f]++
	prog.Event(MessageExported{Folder: f, Bytes: e.n})
	if e.sum != ([32]byte{}) && hex.EncodeToString(e.sum[:]) != e.entry.SHA256 {
		w := fmt.Sprintf("%s: message bytes do not match the source's SHA-256", f)
		r.Warnings = append(r.Warnings, w)
		prog.Event(MessageWarning{Folder: f, Problem: w})
	}
	return nil
}

// errSourceRead marks failures of the source (the message is skipped),
// as opposed to failures of the output (the run stops).
var errSourceRead = errors.New("read from the source")

// sourceReader wraps a source body: it hashes what is read and marks its
// errors as errSourceRead.
type sourceReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errSourceRead, err)
	}
	return n, err
}

func exportOne(ctx context.Context, out output, f Folder, m Message) (manifest.Entry, int64, error) {
	rc, err := m.Open()
	if err != nil {
		return manifest.Entry{}, 0, fmt.Errorf("%w: open: %w", errSourceRead, err)
	}
	defer rc.Close()
	sr := &sourceReader{r: rc, h: sha256.New()}
	entry, err := out.add(ctx, f, m, sr)
	if err != nil {
		return entry, 0, err
	}
	entry.Folder = f.String()
	entry.Size = sr.n
	entry.SHA256 = hex.EncodeToString(sr.h.Sum(nil))
	entry.Flags = m.Flags
	if !m.InternalDate.IsZero() {
		entry.Date = m.InternalDate.UTC().Format(time.RFC3339)
	}
	return entry, sr.n, nil
}
