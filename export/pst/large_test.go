package pst

import (
	"path/filepath"
	"testing"

	"mailshift/export/internal/corpus"
)

// TestLargeStructures covers every size threshold of PST.md's table in one
// file: a folder of 5,000 messages (multi-level RowIndex, contents rows in a
// subnode over many blocks, multi-level NBT/BBT), a message with 400
// attachments (SIBLOCK subnode tree), a 30 MB attachment and a 9 MB text
// body (18 MB as UTF-16: XXBLOCK data trees), a file over 32.5 MB (FMap
// page region). Both readers must read every message back intact.
func TestLargeStructures(t *testing.T) {
	bulk := corpus.Bulk("Bulk", 5000, 1500, 1)
	many := corpus.ManyAttachments("Scans", 400)
	large := corpus.LargeAttachment("Artwork", 30<<20, 9<<20)
	files, warns := writeMailboxes(t, filepath.Join(t.TempDir(), "large.pst"), Options{}, bulk, many, large)
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	_, pf := verifyReaders(t, files, nil, map[string]bool{"many400@corpus.example": true}, bulk, many, large)
	if n := len(pf.msgs["many400@corpus.example"].Attachments); n != 400 {
		t.Errorf("pffexport saw %d attachments, want 400", n)
	}
}
