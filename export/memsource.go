package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"iter"
	"slices"
	"strings"
	"time"
)

// MemSource is a Source held in memory (tests, the demo). Folder paths
// use "/" between levels.
type MemSource struct {
	folders []Folder
	msgs    map[string][]memMessage
}

type memMessage struct {
	raw   []byte
	flags []string
	date  time.Time
}

// NewMemSource returns an empty source.
func NewMemSource() *MemSource { return &MemSource{msgs: map[string][]memMessage{}} }

// Add appends a message to folder (created, with its parents, on first use).
func (s *MemSource) Add(folder string, raw []byte, flags []string, date time.Time) {
	s.ensure(strings.Split(folder, "/"))
	s.msgs[folder] = append(s.msgs[folder], memMessage{raw, flags, date})
}

// AddFolder creates an empty folder (and its parents).
func (s *MemSource) AddFolder(folder string) { s.ensure(strings.Split(folder, "/")) }

func (s *MemSource) ensure(path []string) {
	for i := 1; i <= len(path); i++ {
		p := path[:i]
		if !slices.ContainsFunc(s.folders, func(f Folder) bool { return slices.Equal(f.Path, p) }) {
			s.folders = append(s.folders, Folder{Path: slices.Clone(p)})
		}
	}
}

// Folders implements Source.
func (s *MemSource) Folders(ctx context.Context) ([]Folder, error) {
	return slices.Clone(s.folders), ctx.Err()
}

// Messages implements Source.
func (s *MemSource) Messages(ctx context.Context, f Folder) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		for _, m := range s.msgs[f.String()] {
			if err := ctx.Err(); err != nil {
				yield(Message{}, err)
				return
			}
			raw := m.raw
			msg := Message{Flags: m.flags, InternalDate: m.date, Size: int64(len(raw)), SHA256: sha256.Sum256(raw),
				Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }}
			if !yield(msg, nil) {
				return
			}
		}
	}
}
