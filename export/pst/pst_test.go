package pst

import (
	"path/filepath"
	"testing"

	"mailshift/export/internal/corpus"
)

// TestDemoMailboxReadBack writes the demo mailbox (nested and non-ASCII
// folders, alternative/related/mixed bodies, inline images, Latin-1, a
// forwarded message) and checks that readpst and pffexport both read every
// message back as the source has it, and that readpst gives the same result
// on five runs (PST.md §5.2b).
func TestDemoMailboxReadBack(t *testing.T) {
	demo := corpus.Demo()
	files, warns := writeMailboxes(t, filepath.Join(t.TempDir(), "demo.pst"), Options{}, demo)
	if len(warns) != 0 {
		t.Errorf("warnings on a clean mailbox: %v", warns)
	}
	first, _ := verifyReaders(t, files, nil, nil, demo)
	for run := 2; run <= 5; run++ {
		again := readpstView(t, files)
		for id, s := range first.msgs {
			if d := s.diff(again.msgs[id]); len(d) > 0 || again.folder[id] != first.folder[id] {
				t.Errorf("readpst run %d differs on %s: %v", run, id, d)
			}
		}
		if len(again.msgs) != len(first.msgs) {
			t.Errorf("readpst run %d read %d messages, first run %d", run, len(again.msgs), len(first.msgs))
		}
	}
}
