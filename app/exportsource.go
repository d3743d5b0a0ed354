package app

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sort"
	"strings"

	"mailshift/export"
	"mailshift/store"
	"mailshift/sync"
)

// storeSource is one mailbox of the local store as an export.Source. Its
// folders are named as the folder mapping names them on the new host (so a
// PST for a Microsoft 365 project has "Sent Items", "Deleted Items", …) and
// folders the user excluded from the migration are left out.
type storeSource struct {
	db      *store.DB
	box     store.BoxKey
	folders []export.Folder
	byPath  map[string]store.FolderState // export path -> the stored source folder
}

// newStoreSource reads the mailbox's mapping and folder states once.
func newStoreSource(db *store.DB, projectID, mailboxID string) (*storeSource, error) {
	key := store.BoxKey{ProjectID: projectID, MailboxID: mailboxID}
	states, err := db.FolderStates(key)
	if err != nil {
		return nil, fmt.Errorf("read the stored folders of %s: %w", mailboxID, err)
	}
	if len(states) == 0 {
		return nil, fmt.Errorf("nothing of %s is in the local store yet: pull it first", mailboxID)
	}
	m, _, err := sync.MappingFor(db, projectID, store.MailboxID(mailboxID))
	if err != nil {
		return nil, fmt.Errorf("work out the folder names of %s: %w", mailboxID, err)
	}
	s := &storeSource{db: db, box: key, byPath: map[string]store.FolderState{}}
	seen := map[string]bool{}
	for name, st := range states {
		path := exportPath(m, name)
		if path == nil {
			continue // excluded by the user
		}
		p := strings.Join(path, "/")
		s.byPath[p] = st
		for i := 1; i <= len(path); i++ { // parents first, even when they hold no mail
			if k := strings.Join(path[:i], "/"); !seen[k] {
				seen[k] = true
				s.folders = append(s.folders, export.Folder{Path: append([]string(nil), path[:i]...)})
			}
		}
	}
	sort.SliceStable(s.folders, func(i, j int) bool { return folderLess(s.folders[i].Path, s.folders[j].Path) })
	return s, nil
}

// exportPath is a source folder's path in the export: its destination name
// split at the destination's separator, without the namespace prefix; nil
// when excluded. A folder the mapping does not know keeps its source path.
func exportPath(m sync.Mapping, source string) []string {
	name, sep, prefix := source, m.Source.Separator, m.Source.Prefix
	if f, ok := m.Lookup(source); ok {
		if f.Excluded {
			return nil
		}
		if f.Dest != "" {
			name, sep, prefix = f.Dest, m.Dest.Separator, m.Dest.Prefix
		}
	}
	if prefix != "" && strings.HasPrefix(name, prefix) && !strings.EqualFold(name, "INBOX") {
		name = strings.TrimPrefix(name, prefix)
	}
	if sep == "" {
		return []string{name}
	}
	var out []string
	for _, p := range strings.Split(name, sep) {
		if p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []string{source}
	}
	if strings.EqualFold(out[0], "INBOX") {
		out[0] = "Inbox"
	}
	return out
}

// folderLess puts Inbox first, then the rest by path (parents before children).
func folderLess(a, b []string) bool {
	ai, bi := a[0] == "Inbox", b[0] == "Inbox"
	if ai != bi {
		return ai
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return strings.ToLower(a[i]) < strings.ToLower(b[i])
		}
	}
	return len(a) < len(b)
}

func (s *storeSource) Folders(ctx context.Context) ([]export.Folder, error) {
	return s.folders, ctx.Err()
}

// Messages yields the folder's stored messages in UID order. The index is
// read in one short transaction (about 100 bytes a message); the bodies
// are streamed from the packs only when exported.
func (s *storeSource) Messages(ctx context.Context, f export.Folder) iter.Seq2[export.Message, error] {
	return func(yield func(export.Message, error) bool) {
		st, ok := s.byPath[f.String()]
		if !ok {
			return // a parent that holds no mail of its own
		}
		var recs []store.MessageRecord
		err := s.db.ForEachMessage(s.box, st.Name, st.UIDValidity, func(r store.MessageRecord) error {
			recs = append(recs, r)
			return ctx.Err()
		})
		if err != nil {
			yield(export.Message{}, fmt.Errorf("read the index of %s: %w", st.Name, err))
			return
		}
		for _, r := range recs {
			h := r.Hash
			m := export.Message{Flags: r.Flags, InternalDate: r.InternalDate, Size: r.Size, SHA256: h,
				Open: func() (io.ReadCloser, error) { return s.db.OpenMessage(h) }}
			if !yield(m, nil) {
				return
			}
		}
	}
}
