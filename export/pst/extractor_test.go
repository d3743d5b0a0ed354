package pst

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"mailshift/export/internal/corpus"
)

// extractorModules is where `make test` (.ci/deps test) installs the npm
// package pst-extractor; MAILSHIFT_NPM_DIR overrides it.
func extractorModules(t testing.TB) string {
	dir := os.Getenv("MAILSHIFT_NPM_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(cache, "mailshift", "npm")
	}
	mods := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "pst-extractor", "package.json")); err != nil {
		t.Fatalf("the npm package pst-extractor is not in %s: run `make test` (or npm install --prefix %s pst-extractor)", mods, dir)
	}
	return mods
}

// extractorView reads files with pst-extractor (testdata/pstextract.js).
func extractorView(t testing.TB, files []string) *readerView {
	t.Helper()
	node := requireTool(t, "node", "nodejs")
	mods := extractorModules(t)
	v := newView()
	for _, f := range files {
		cmd := exec.Command(node, "testdata/pstextract.js", f)
		cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pst-extractor %s: %v\n%s", f, err, stderr.Bytes())
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var m struct {
				Folder, ID, Subject, From, Text, HTML string
				To, Cc, Attachments                   []string
				Date                                  int64
				Read                                  bool
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("pst-extractor %s: %v", f, err)
			}
			slices.Sort(m.To)
			slices.Sort(m.Cc)
			slices.Sort(m.Attachments)
			v.add(t, m.Folder, summary{ID: m.ID, Subject: m.Subject, From: m.From, To: nilIfEmpty(m.To), Cc: nilIfEmpty(m.Cc),
				Date: time.Unix(m.Date, 0), Text: normText(m.Text), HTML: normText(m.HTML), Attachments: nilIfEmpty(m.Attachments), Read: m.Read})
		}
	}
	return v
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// A third, independent reader (pst-extractor, JavaScript) reads back, as
// the source has it, the demo mailbox (nested and non-ASCII folders, every
// body structure), a folder over the 447-row threshold, a message with 400
// attachments and one with a 9 MB attachment: folder tree, counts per
// folder, and for every message subject, sender, recipients, date, bodies,
// attachment bytes and read state. Broken MIME (kept raw, with the source
// attached as original.eml; broken_test.go checks its content) must be there,
// in its folder, with its subject.
func TestPSTExtractorReadsWhatWeWrite(t *testing.T) {
	mbs := []*corpus.Mailbox{corpus.Demo(), corpus.Bulk("Bulk", 600, 2000, 7), corpus.ManyAttachments("Attachments", 400),
		corpus.LargeAttachment("Large", 9<<20, 4000)}
	broken := corpus.Broken("Broken")
	mbs = append(mbs, broken)
	rawKept := map[string]bool{}
	for _, m := range broken.Messages {
		rawKept[m.ID] = true
	}
	files, _ := writeMailboxes(t, filepath.Join(t.TempDir(), "mixed.pst"), Options{}, mbs...)
	want, folder, counts := expectations(t, mbs...)
	v := extractorView(t, files)
	for f, n := range counts {
		if v.folders[f] != n {
			t.Errorf("folder %q has %d messages, want %d", f, v.folders[f], n)
		}
	}
	for f, n := range v.folders {
		if counts[f] == 0 {
			t.Errorf("unexpected folder %q with %d messages", f, n)
		}
	}
	if len(want) == 0 || len(v.msgs) != len(want) {
		t.Fatalf("pst-extractor read %d messages, the source has %d", len(v.msgs), len(want))
	}
	t.Logf("pst-extractor read %d messages in %d folders", len(v.msgs), len(v.folders))
	for id, w := range want {
		got, ok := v.msgs[id]
		if !ok {
			t.Errorf("message %s missing", id)
			continue
		}
		if v.folder[id] != folder[id] {
			t.Errorf("message %s in folder %q, want %q", id, v.folder[id], folder[id])
		}
		if rawKept[id] {
			if got.Subject != w.Subject {
				t.Errorf("broken message %s: subject %q, want %q", id, got.Subject, w.Subject)
			}
			continue
		}
		for _, d := range w.diff(got) {
			t.Errorf("message %s: %s", id, d)
		}
	}
}
