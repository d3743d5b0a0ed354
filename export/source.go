// Package export runs an export of one mailbox (or any message source) to
// PST, mbox or eml files: every message is streamed from the Source into
// the writer and recorded in a manifest (size and SHA-256), progress is
// reported as typed events, and output is written under *.partial names
// that are renamed only when the whole run has succeeded — so a crash or a
// cancelled run leaves only *.partial files behind, and a run that filled
// its disk removes them to give the space back.
//
// The Source interface is owned here: app/ adapts the local message store
// to it, tests use MemSource.
package export

import (
	"context"
	"io"
	"iter"
	"strings"
	"time"
)

// Folder is one folder of a source, named by its path from the top.
type Folder struct {
	Path []string // e.g. {"Inbox", "Projects"}; never empty
}

// String is the path joined with "/" (for reports and manifests).
func (f Folder) String() string { return strings.Join(f.Path, "/") }

// Message is one message of a source. Open is called once, when the
// message is exported, and the caller closes what it returns.
type Message struct {
	Flags        []string  // IMAP flags
	InternalDate time.Time // IMAP INTERNALDATE
	Size         int64     // bytes, when known (0: unknown)
	SHA256       [32]byte  // of the exact bytes, when known (zero: unknown)
	Open         func() (io.ReadCloser, error)
}

// Source is what an export reads. Folders are listed parents first; each
// folder's messages are yielded in the order they should be exported. An
// error yielded with a message skips that message (with the error as the
// reason); an error returned by Folders stops the run.
type Source interface {
	Folders(ctx context.Context) ([]Folder, error)
	Messages(ctx context.Context, f Folder) iter.Seq2[Message, error]
}
