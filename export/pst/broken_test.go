package pst

import (
	"path/filepath"
	"strings"
	"testing"

	"mailshift/export/internal/corpus"
)

// TestBrokenMIMEStillExports writes malformed messages and unknown
// charsets: every message is exported and reported, structurally unreadable
// ones keep their raw headers and body and carry the original bytes as
// original.eml; text in an unknown charset is kept (as Latin-1).
func TestBrokenMIMEStillExports(t *testing.T) {
	broken := corpus.Broken("Broken")
	files, warns := writeMailboxes(t, filepath.Join(t.TempDir(), "broken.pst"), Options{}, broken)
	raw := map[string]bool{}
	for _, w := range warns {
		if w.Raw {
			raw[w.Subject] = true
		}
	}
	for _, subj := range []string{"multipart without boundary", "unterminated multipart", "corrupt base64"} {
		if !raw[subj] {
			t.Errorf("no raw-export warning for %q (warnings: %v)", subj, warns)
		}
	}
	if len(warns) != 4 {
		t.Errorf("want 4 warnings (3 raw, 1 unknown charset), got %d: %v", len(warns), warns)
	}
	skip := map[string]bool{}
	for _, m := range broken.Messages {
		skip[m.ID] = true
	}
	rp, pf := verifyReaders(t, files, skip, nil, broken)
	byID := map[string][]byte{}
	for _, m := range broken.Messages {
		byID[m.ID] = m.Raw
	}
	for name, v := range map[string]*readerView{"readpst": rp, "pffexport": pf} {
		if got := v.msgs["unknown-charset@corpus.example"].Text; got != "Café au lait costs 3 ¤." {
			t.Errorf("%s: unknown-charset body %q", name, got)
		}
		for id, body := range map[string]string{
			"no-boundary@corpus.example":  "This body has no parts at all.",
			"unterminated@corpus.example": "first part, never closed",
			"bad-base64@corpus.example":   "aGVsbG8=gd29ybGQ===***",
		} {
			s := v.msgs[id]
			if !strings.Contains(s.Text, body) {
				t.Errorf("%s: %s: raw body %q not kept in %q", name, id, body, s.Text)
			}
			want := []string{"original.eml " + sha(byID[id])}
			if strings.Join(s.Attachments, ",") != strings.Join(want, ",") {
				t.Errorf("%s: %s: attachments %v, want the original bytes %v", name, id, s.Attachments, want)
			}
			if !s.Read || s.From != "broken@old.example" {
				t.Errorf("%s: %s: read %v from %q", name, id, s.Read, s.From)
			}
		}
		if got := v.msgs["bare-lf@corpus.example"].Text; got != "body with LF only" {
			t.Errorf("%s: bare-LF body %q", name, got)
		}
		if got := v.msgs["no-headers@corpus.example"].Text; got != "just a body, no From, no Date" {
			t.Errorf("%s: header-less body %q", name, got)
		}
	}
}
