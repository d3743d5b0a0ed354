package pst

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"mailshift/export/internal/corpus"
)

// writeMailboxes writes the mailboxes into one PST (or a split series) and
// runs the strict checker on every file written.
func writeMailboxes(t testing.TB, path string, opts Options, mbs ...*corpus.Mailbox) ([]string, []Warning) {
	t.Helper()
	var warns []Warning
	opts.OnWarning = func(w Warning) { warns = append(warns, w) }
	w, err := Create(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]FolderID{}
	var folderID func(path string) FolderID
	folderID = func(path string) FolderID {
		if id, ok := ids[path]; ok {
			return id
		}
		parent, name := Top, path
		if i := strings.LastIndexByte(path, '/'); i > 0 {
			parent, name = folderID(path[:i]), path[i+1:]
		}
		id, err := w.AddFolder(parent, name)
		if err != nil {
			t.Fatal(err)
		}
		ids[path] = id
		return id
	}
	for _, mb := range mbs {
		for _, f := range mb.Folders {
			folderID(f)
		}
		for _, m := range mb.Messages {
			err := w.AddMessage(context.Background(), folderID(m.Folder), bytes.NewReader(m.Raw), MessageMeta{Flags: m.Flags, InternalDate: m.Date})
			if err != nil {
				t.Fatalf("add %s: %v", m.ID, err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range w.Files() {
		mustCheck(t, f)
	}
	return w.Files(), warns
}

// mustCheck fails the test when the strict checker finds any problem.
func mustCheck(t testing.TB, path string) {
	t.Helper()
	problems, err := Check(path)
	if err != nil {
		t.Fatalf("check %s: %v", path, err)
	}
	for i, p := range problems {
		if i == 20 {
			t.Errorf("… %d problems in all", len(problems))
			break
		}
		t.Errorf("check %s: %s", path, p)
	}
	if _, err := os.Stat(path + ".partial"); err == nil {
		t.Errorf("%s.partial left behind", path)
	}
}
