package pst

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailshift/export/internal/corpus"
)

// embeddedMailbox holds a message with an attached message (itself with an
// attachment), a message with a message attached inside an attached
// message, and a message/rfc822 part that is not a message.
func embeddedMailbox() *corpus.Mailbox {
	inner := msg("inner-1", "Inner Sender <inner@example.test>", "Inner subject é", "multipart/mixed; boundary=\"in\"",
		"--in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nInner body line.\r\n"+
			"--in\r\nContent-Type: application/octet-stream; name=\"inner.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gaW5uZXI=\r\n--in--\r\n")
	deepest := msg("deep-3", "Deep <deep@example.test>", "Deepest", "text/plain; charset=utf-8", "Deepest body.\r\n")
	middle := msg("mid-2", "Mid <mid@example.test>", "Middle", "multipart/mixed; boundary=\"mid\"",
		"--mid\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMiddle body.\r\n--mid\r\nContent-Type: message/rfc822\r\n\r\n"+deepest+"\r\n--mid--\r\n")
	attach := func(id, subject, part string) []byte {
		return []byte(msg(id, "Outer <outer@example.test>", subject, "multipart/mixed; boundary=\"out\"",
			"--out\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached message.\r\n"+
				"--out\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n"+part+"\r\n--out--\r\n"))
	}
	date := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	mb := &corpus.Mailbox{Folders: []string{"Forwards"}}
	for _, m := range []struct{ id, raw string }{
		{"outer-1@example.test", string(attach("outer-1", "Outer one", inner))},
		{"outer-2@example.test", string(attach("outer-2", "Outer two", middle))},
		{"outer-3@example.test", string(attach("outer-3", "Outer three", "this is no message at all\r\n"))},
	} {
		mb.Messages = append(mb.Messages, corpus.Message{Folder: "Forwards", Raw: []byte(m.raw), Flags: []string{`\Seen`}, Date: date, ID: m.id})
	}
	return mb
}

func msg(id, from, subject, contentType, body string) string {
	return "From: " + from + "\r\nTo: Bob <bob@example.test>\r\nSubject: " + subject +
		"\r\nDate: Mon, 02 Jan 2023 10:00:00 +0000\r\nMessage-ID: <" + id + "@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: " +
		contentType + "\r\n\r\n" + body
}

// TestEmbeddedMessagesReadBack writes message/rfc822 parts as embedded
// message objects (attach method 5, the message a subnode of the
// attachment): the strict checker passes, and readpst, pffexport and
// pst-extractor all show the attached message with its subject, body and
// its own attachment, two levels deep too. A message/rfc822 part that is no message is kept as
// a file attachment of its bytes and reported.
func TestEmbeddedMessagesReadBack(t *testing.T) {
	mb := embeddedMailbox()
	files, warns := writeMailboxes(t, filepath.Join(t.TempDir(), "embedded.pst"), Options{}, mb)
	if len(warns) != 1 || warns[0].Subject != "Outer three" || !strings.Contains(warns[0].Problem, "kept as a file") {
		t.Errorf("want one warning for the part that is no message, got %v", warns)
	}
	rp, pf := verifyReaders(t, files, map[string]bool{"outer-3@example.test": true}, nil, mb)
	// The expectations spelled out, independent of summarize's reading of
	// the source: subject, text body hash and attachments of each level.
	one := "message Inner subject é | text " + sha([]byte("Inner body line.")) + " | [inner.bin " + sha([]byte("hello inner")) + "]"
	deep := "message Deepest | text " + sha([]byte("Deepest body.")) + " | []"
	two := "message Middle | text " + sha([]byte("Middle body.")) + " | [" + deep + "]"
	third := "fwd.eml " + sha([]byte("this is no message at all\r\n"))
	ex := extractorView(t, files)
	for name, v := range map[string]*readerView{"readpst": rp, "pffexport": pf, "pst-extractor": ex} {
		for id, want := range map[string]string{"outer-1@example.test": one, "outer-2@example.test": two} {
			if got := strings.Join(v.msgs[id].Attachments, ", "); got != want {
				t.Errorf("%s: %s: attachments\n%s\nwant\n%s", name, id, got, want)
			}
		}
		if name != "readpst" { // readpst writes the file as message/rfc822 again
			if got := strings.Join(v.msgs["outer-3@example.test"].Attachments, ", "); got != third {
				t.Errorf("%s: the part that is no message: %s, want %s", name, got, third)
			}
		}
	}
}
