package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mailshift/export/internal/corpus"
	"mailshift/export/manifest"
	"mailshift/export/mbox"
	"mailshift/export/pst"
)

func memFrom(mbs ...*corpus.Mailbox) (*MemSource, map[string][][]byte) {
	src := NewMemSource()
	want := map[string][][]byte{}
	for _, mb := range mbs {
		for _, f := range mb.Folders {
			src.AddFolder(f)
		}
		for _, m := range mb.Messages {
			src.Add(m.Folder, m.Raw, m.Flags, m.Date)
			want[m.Folder] = append(want[m.Folder], m.Raw)
		}
	}
	return src, want
}

func readManifest(t *testing.T, path string) *manifest.Manifest {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := manifest.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func hexsum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestRunEveryFormat exports the demo and broken mailboxes to PST, mbox
// and eml: counts per folder, the manifest (count, size, SHA-256 of every
// message in order), and the files themselves — the mbox re-imported with
// mbox.Read and every .eml file give back the source bytes exactly; the
// PST passes the strict checker.
func TestRunEveryFormat(t *testing.T) {
	src, want := memFrom(corpus.Demo(), corpus.Broken("Broken/Ünïcode ☃"))
	total := 0
	for _, v := range want {
		total += len(v)
	}
	for _, format := range []Format{PST, MBOX, EML} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			var events []Event
			res, err := Run(context.Background(), src, Options{Format: format, OutDir: dir, Name: "anna", Progress: ProgressFunc(func(e Event) { events = append(events, e) })})
			if err != nil {
				t.Fatal(err)
			}
			if res.Messages != total || len(res.Skipped) != 0 {
				t.Fatalf("exported %d (skipped %v), want %d", res.Messages, res.Skipped, total)
			}
			for f, msgs := range want {
				if res.Folders[f] != len(msgs) {
					t.Errorf("folder %s: %d exported, want %d", f, res.Folders[f], len(msgs))
				}
			}
			if _, ok := events[len(events)-1].(Finished); !ok {
				t.Errorf("last event %T, want Finished", events[len(events)-1])
			}
			mf := readManifest(t, res.Manifest)
			if mf.Count != total || mf.Format != string(format) {
				t.Fatalf("manifest: %d %s", mf.Count, mf.Format)
			}
			i := map[string]int{}
			for _, e := range mf.Messages {
				src := want[e.Folder][i[e.Folder]]
				i[e.Folder]++
				if e.SHA256 != hexsum(src) || e.Size != int64(len(src)) {
					t.Errorf("manifest entry %s/%d: wrong size or hash", e.Folder, i[e.Folder])
				}
			}
			switch format {
			case PST:
				if len(res.Files) != 1 || filepath.Base(res.Files[0]) != "anna.pst" {
					t.Fatalf("files %v", res.Files)
				}
				ps, err := pst.Check(res.Files[0])
				if err != nil || len(ps) != 0 {
					t.Errorf("checker: %v %v", ps, err)
				}
				if len(res.Warnings) != 4 {
					t.Errorf("warnings: %v", res.Warnings)
				}
			case MBOX:
				verifyMbox(t, res.Files[0], mf, want)
			case EML:
				for _, e := range mf.Messages {
					b, err := os.ReadFile(filepath.Join(res.Files[0], e.File))
					if err != nil {
						t.Fatal(err)
					}
					if hexsum(b) != e.SHA256 {
						t.Errorf("%s differs from the source", e.File)
					}
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".partial") {
					t.Errorf("%s left behind", e.Name())
				}
			}
		})
	}
}

// verifyMbox re-imports every mbox file and compares with the source.
func verifyMbox(t *testing.T, dir string, mf *manifest.Manifest, want map[string][][]byte) {
	t.Helper()
	sizes := map[string][]int64{}
	folderOf := map[string]string{}
	for _, e := range mf.Messages {
		sizes[e.File] = append(sizes[e.File], e.Size)
		folderOf[e.File] = e.Folder
	}
	for file, sz := range sizes {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = mbox.Read(f, sz, func(i int, m mbox.Message) error {
			if !bytes.Equal(m.Data, want[folderOf[file]][i]) {
				t.Errorf("%s message %d differs after re-import", file, i)
			}
			n++
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want[folderOf[file]]) {
			t.Errorf("%s: %d messages re-imported, want %d", file, n, len(want[folderOf[file]]))
		}
	}
}

// failingSource wraps a source; every third message fails to open.
type failingSource struct{ Source }

func (s failingSource) Messages(ctx context.Context, f Folder) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		i := 0
		for m, err := range s.Source.Messages(ctx, f) {
			i++
			if i%3 == 0 {
				m.Open = func() (io.ReadCloser, error) { return nil, errors.New("blob missing") }
			}
			if !yield(m, err) {
				return
			}
		}
	}
}

// TestRunSkipsUnreadableMessages: a message the source cannot open is
// skipped with its reason; the run goes on and completes.
func TestRunSkipsUnreadableMessages(t *testing.T) {
	src, _ := memFrom(corpus.Bulk("Inbox", 30, 500, 9))
	res, err := Run(context.Background(), failingSource{src}, Options{Format: EML, OutDir: t.TempDir(), Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 20 || len(res.Skipped) != 10 || !strings.Contains(res.Skipped[0].Reason, "blob missing") {
		t.Errorf("exported %d, skipped %v", res.Messages, res.Skipped)
	}
}

// TestCancelLeavesOnlyPartial cancels each format's run mid-way (from the
// progress callback after 25 messages): the run returns the context's
// error and the output folder holds only *.partial names.
func TestCancelLeavesOnlyPartial(t *testing.T) {
	src, _ := memFrom(corpus.Bulk("Inbox", 60, 2000, 4), corpus.Demo())
	for _, format := range []Format{PST, MBOX, EML} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			_, err := Run(ctx, src, Options{Format: format, OutDir: dir, Name: "box", PSTMaxSize: 200_000,
				Progress: ProgressFunc(func(e Event) {
					if _, ok := e.(MessageExported); ok {
						if n++; n == 25 {
							cancel()
						}
					}
				})})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want context.Canceled", err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) == 0 {
				t.Fatal("nothing left at all: want the .partial output")
			}
			for _, e := range entries {
				if !strings.HasSuffix(e.Name(), ".partial") {
					t.Errorf("%s is not a .partial name", e.Name())
				}
			}
		})
	}
}

// TestDirSourceRoundTrip: an eml export read back through DirSource and
// exported again (as mbox) gives the same messages: same folders, same
// SHA-256 in the same order.
func TestDirSourceRoundTrip(t *testing.T) {
	src, _ := memFrom(corpus.Demo())
	dir := t.TempDir()
	first, err := Run(context.Background(), src, Options{Format: EML, OutDir: dir, Name: "one"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Run(context.Background(), DirSource{Root: first.Files[0]}, Options{Format: MBOX, OutDir: dir, Name: "two"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := readManifest(t, first.Manifest), readManifest(t, second.Manifest)
	if a.Count != b.Count || a.Count == 0 {
		t.Fatalf("counts %d and %d", a.Count, b.Count)
	}
	key := func(m *manifest.Manifest) []string {
		var out []string
		for _, e := range m.Messages {
			out = append(out, e.Folder+" "+e.SHA256)
		}
		return out
	}
	ka, kb := key(a), key(b)
	slices.Sort(ka)
	slices.Sort(kb)
	if !slices.Equal(ka, kb) {
		t.Errorf("round trip changed messages")
	}
}
