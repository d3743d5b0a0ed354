package pst

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailshift/export/internal/corpus"
)

// writeSmall writes a few demo messages and returns the path; tweak runs
// on the open writer just before Close.
func writeSmall(t *testing.T, tweak func(w *Writer)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.pst")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := w.AddFolder(Top, "Inbox")
	for _, m := range corpus.Demo().Messages[:8] {
		if err := w.AddMessage(context.Background(), f, bytes.NewReader(m.Raw), MessageMeta{Flags: m.Flags}); err != nil {
			t.Fatal(err)
		}
	}
	if tweak != nil {
		tweak(w)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func expectProblem(t *testing.T, path, want string) {
	t.Helper()
	problems, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.Contains(p.String(), want) {
			return
		}
	}
	t.Errorf("checker missed %q; found %v", want, problems)
}

func mutate(t *testing.T, src string, off int64, fn func(b []byte)) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fn(data[off:])
	dst := filepath.Join(t.TempDir(), "mutated.pst")
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestCheckerFindsDamage: the checker passes a clean file and reports
// each kind of damage the Debian readers ignore (PST.md §5.3).
func TestCheckerFindsDamage(t *testing.T) {
	clean := writeSmall(t, nil)
	if ps, err := Check(clean); err != nil || len(ps) != 0 {
		t.Fatalf("clean file: %v %v", ps, err)
	}
	data, _ := os.ReadFile(clean)
	root := data[180:]
	bbtPage := int64(le.Uint64(root[60:]))
	// A data byte of the first block after the map pages.
	expectProblem(t, mutate(t, clean, 0x4800+3, func(b []byte) { b[0] ^= 0xFF }), "block CRC mismatch")
	expectProblem(t, mutate(t, clean, 4, func(b []byte) { b[0] ^= 1 }), "dwCRCPartial mismatch")
	expectProblem(t, mutate(t, clean, bbtPage+5, func(b []byte) { b[0] ^= 1 }), "page CRC mismatch")
	// Mark the last free slot of the first AMap as used, with a valid CRC.
	expectProblem(t, mutate(t, clean, amapFirst, func(b []byte) {
		b[495] |= 1
		le.PutUint32(b[500:], crc(b[:496]))
	}), "the allocations found give")

	orphan := writeSmall(t, func(w *Writer) {
		if _, err := w.cur.d.block([]byte("nobody points here"), false); err != nil {
			t.Fatal(err)
		}
	})
	expectProblem(t, orphan, "referenced by nothing")

	badCount := writeSmall(t, func(w *Writer) { w.cur.folders[1].unread++ })
	expectProblem(t, badCount, "ContentUnreadCount")
	for _, p := range mustProblems(t, badCount) {
		if !strings.Contains(p.What, "ContentUnreadCount") && !strings.Contains(p.Where, "folder") {
			t.Errorf("unexpected problem %s", p)
		}
	}
}

func mustProblems(t *testing.T, path string) []Problem {
	ps, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}
