package export

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DirSource reads a folder tree of .eml files (for example an eml export):
// every directory below Root is a folder, every *.eml file in it a message,
// in file-name order. Flags and dates are not known (the messages export as
// unread, dated by their Date header).
type DirSource struct{ Root string }

// Folders implements Source.
func (s DirSource) Folders(ctx context.Context) ([]Folder, error) {
	var out []Folder
	err := filepath.WalkDir(s.Root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.IsDir() || p == s.Root {
			return nil
		}
		rel, err := filepath.Rel(s.Root, p)
		if err != nil {
			return err
		}
		out = append(out, Folder{Path: strings.Split(filepath.ToSlash(rel), "/")})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list folders of %s: %w", s.Root, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no folders", s.Root)
	}
	return out, nil
}

// Messages implements Source.
func (s DirSource) Messages(ctx context.Context, f Folder) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		dir := filepath.Join(append([]string{s.Root}, f.Path...)...)
		entries, err := os.ReadDir(dir)
		if err != nil {
			yield(Message{}, fmt.Errorf("list %s: %w", dir, err))
			return
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".eml") {
				names = append(names, e.Name())
			}
		}
		slices.Sort(names)
		for _, name := range names {
			if ctx.Err() != nil {
				return
			}
			p := filepath.Join(dir, name)
			m := Message{Open: func() (io.ReadCloser, error) { return os.Open(p) }}
			if st, err := os.Stat(p); err == nil {
				m.Size = st.Size()
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}
