package export

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"mailshift/export/internal/corpus"
	"mailshift/export/pst"
)

// TestPSTManifestPlacesEveryMessage exports to a split PST series (the
// writer maps messages on worker goroutines and writes them after add
// returns): every manifest entry, in source order, has the source's
// SHA-256 and the file and index the same messages get from a sequential
// pst.Writer (no workers) with the same split size; every MessageWarning
// names a source folder path (the broken ones their own); and each file passes the checker.
func TestPSTManifestPlacesEveryMessage(t *testing.T) {
	mbs := []*corpus.Mailbox{corpus.Bulk("Inbox/Bulk", 400, 3000, 5), corpus.Demo(), corpus.Broken("Archive/Broken")}
	src, _ := memFrom(mbs...)
	const limit = 600_000
	dir := t.TempDir()
	var warnFolders []string
	res, err := Run(context.Background(), src, Options{Format: PST, OutDir: dir, Name: "box", PSTMaxSize: limit,
		Progress: ProgressFunc(func(e Event) {
			if w, ok := e.(MessageWarning); ok {
				warnFolders = append(warnFolders, w.Folder)
			}
		})})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) < 3 {
		t.Fatalf("want a series of 3 files or more, got %v", res.Files)
	}
	for _, f := range res.Files {
		if ps, err := pst.Check(f); err != nil || len(ps) != 0 {
			t.Errorf("checker on %s: %v %v", f, ps, err)
		}
	}
	folders, _ := src.Folders(context.Background())
	known := map[string]bool{}
	for _, f := range folders {
		known[f.String()] = true
	}
	broken := 0
	for _, f := range warnFolders {
		if !known[f] {
			t.Errorf("a MessageWarning names folder %q, not a source folder path", f)
		}
		if f == "Archive/Broken" {
			broken++
		}
	}
	if broken < 3 {
		t.Errorf("want the broken messages' warnings under Archive/Broken, got %v", warnFolders)
	}

	// The same messages, in the order Run exports them, through a
	// sequential writer.
	var want []pst.Written
	w, err := pst.Create(filepath.Join(t.TempDir(), "box.pst"), pst.Options{MaxSize: limit, Workers: -1,
		OnWritten: func(x pst.Written) { want = append(want, x) }})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]pst.FolderID{}
	for _, f := range folders {
		parent := pst.Top
		if len(f.Path) > 1 {
			parent = ids[Folder{Path: f.Path[:len(f.Path)-1]}.String()]
		}
		if ids[f.String()], err = w.AddFolder(parent, f.Path[len(f.Path)-1]); err != nil {
			t.Fatal(err)
		}
	}
	var sums []string
	for _, f := range folders {
		for m, err := range src.Messages(context.Background(), f) {
			if err != nil {
				t.Fatal(err)
			}
			rc, _ := m.Open()
			var raw bytes.Buffer
			raw.ReadFrom(rc)
			rc.Close()
			sums = append(sums, hexsum(raw.Bytes()))
			if err := w.AddMessage(context.Background(), ids[f.String()], bytes.NewReader(raw.Bytes()), pst.MessageMeta{Flags: m.Flags, InternalDate: m.InternalDate}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mf := readManifest(t, res.Manifest)
	if len(mf.Messages) != len(want) {
		t.Fatalf("manifest has %d entries, the sequential writer wrote %d", len(mf.Messages), len(want))
	}
	for i, e := range mf.Messages {
		if e.SHA256 != sums[i] {
			t.Errorf("entry %d: SHA-256 of another message", i)
		}
		if e.File != filepath.Base(want[i].File) || e.Index != want[i].Index {
			t.Errorf("entry %d: %s #%d, the sequential writer put it in %s #%d", i, e.File, e.Index, filepath.Base(want[i].File), want[i].Index)
		}
	}
}
