package pst

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"mailshift/export/internal/corpus"
)

// TestSplitSeries writes with a small MaxSize: the output becomes
// out.pst, out-002.pst, … each under the limit, each with the whole folder
// tree, each clean for the checker, and together holding every message
// exactly once (checked through both readers).
func TestSplitSeries(t *testing.T) {
	mb := corpus.Bulk("Inbox/Bulk", 1200, 3000, 2)
	demo := corpus.Demo()
	dir := t.TempDir()
	const limit = 1_500_000
	files, _ := writeMailboxes(t, filepath.Join(dir, "out.pst"), Options{MaxSize: limit}, mb, demo)
	if len(files) < 3 {
		t.Fatalf("want at least 3 files at a %d byte limit, got %v", limit, files)
	}
	for i, f := range files {
		if want := filepath.Join(dir, map[bool]string{true: "out.pst", false: "out-00" + string(rune('1'+i)) + ".pst"}[i == 0]); f != want {
			t.Errorf("file %d is %s, want %s", i+1, f, want)
		}
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > limit {
			t.Errorf("%s has %d bytes, over the %d limit", f, st.Size(), limit)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != len(files) {
		t.Errorf("directory holds %v, want only the %d files (no .partial, no temporary files)", names, len(files))
	}
	verifyReaders(t, files, nil, nil, mb, demo)
}

// TestAbortLeavesOnlyPartial: a writer stopped mid-run (a cancelled
// context, then Abort) leaves the file only as out.pst.partial, never
// under its final name, and removes its temporary files.
func TestAbortLeavesOnlyPartial(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "out.pst"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := w.AddFolder(Top, "Inbox")
	mb := corpus.Bulk("Inbox", 50, 2000, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i, m := range mb.Messages {
		if i == 20 {
			cancel()
		}
		err := w.AddMessage(ctx, f, bytes.NewReader(m.Raw), MessageMeta{Flags: m.Flags})
		if i < 20 && err != nil {
			t.Fatal(err)
		}
		if i >= 20 && err != context.Canceled {
			t.Fatalf("message %d after cancel: %v", i, err)
		}
	}
	w.Abort()
	if err := w.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"out.pst.partial"}) {
		t.Errorf("after abort the folder holds %v, want only out.pst.partial", names)
	}
}
