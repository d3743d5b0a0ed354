//go:build pstlong

package pst

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"mailshift/export/internal/corpus"
)

// TestOver2GB writes a PST larger than 2 GB (76 messages with a 29 MB
// attachment each: FPMap pages, 64-bit offsets past 2^31) and checks it with
// the strict checker and both readers (every message, every attachment's
// bytes). It needs about 7 GB of temporary disk, more than a CI machine can
// be counted on to have, so it is built only with the pstlong tag and runs
// as its own command, `make test-long` (about 75 s here), not in `make test`.
func TestOver2GB(t *testing.T) {
	big := corpus.LargeAttachment("Big", 29<<20, 2000).Messages[0]
	wantAtt, _ := summarize(big.Raw)
	path := filepath.Join(t.TempDir(), "big.pst")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	folder, _ := w.AddFolder(Top, "Big")
	const n = 76
	oldID := []byte("<" + big.ID + ">")
	for i := 0; i < n; i++ {
		raw := bytes.Replace(big.Raw, oldID, []byte(fmt.Sprintf("<big%02d@corpus.example>", i)), 1)
		if err := w.AddMessage(context.Background(), folder, bytes.NewReader(raw), MessageMeta{Flags: []string{`\Seen`}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Size() <= 2<<30+100<<20 {
		t.Fatalf("file is %d bytes, want over 2 GB", st.Size())
	}
	mustCheck(t, path)
	for name, v := range map[string]*readerView{"readpst": readpstView(t, []string{path}), "pffexport": func() *readerView { v, _ := pffView(t, []string{path}); return v }()} {
		if v.folders["Big"] != n {
			t.Errorf("%s: %d messages, want %d", name, v.folders["Big"], n)
		}
		for i := 0; i < n; i++ {
			got := v.msgs[fmt.Sprintf("big%02d@corpus.example", i)]
			if fmt.Sprint(got.Attachments) != fmt.Sprint(wantAtt.Attachments) {
				t.Errorf("%s: message %d attachments %v", name, i, got.Attachments)
			}
		}
	}
}
