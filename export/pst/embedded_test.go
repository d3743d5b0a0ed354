package pst

import (
	"bytes"
	"os"
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

// TestCheckerFollowsEmbeddedMessages: the checker walks attachments and
// embedded messages; a PidTagAttachDataObject naming a subnode the
// attachment does not have (block CRC kept valid) is reported.
func TestCheckerFollowsEmbeddedMessages(t *testing.T) {
	mb := embeddedMailbox()
	mb.Messages = mb.Messages[:1]
	files, _ := writeMailboxes(t, filepath.Join(t.TempDir(), "one.pst"), Options{}, mb)
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The PtypObject value: {NID, size} of the inner message, in a heap.
	raw := mb.Messages[0].Raw
	innerSize := len(raw[bytes.Index(raw, []byte("\r\n\r\nFrom: Inner"))+4 : bytes.LastIndex(raw, []byte("\r\n--out--"))])
	obj := le.AppendUint32(le.AppendUint32(nil, nidEmbeddedMessage), uint32(innerSize))
	off := bytes.Index(data, obj)
	if off < 0 || bytes.Count(data, obj) != 1 {
		t.Fatalf("PtypObject value %x found %d times", obj, bytes.Count(data, obj))
	}
	ib, cb, tr := enclosingBlock(t, data, off)
	le.PutUint32(data[off:], nidEmbeddedMessage+0x20) // a subnode that is not there
	le.PutUint32(data[tr+4:], crc(data[ib:ib+cb]))
	broken := filepath.Join(t.TempDir(), "broken.pst")
	if err := os.WriteFile(broken, data, 0o600); err != nil {
		t.Fatal(err)
	}
	expectProblem(t, broken, "PidTagAttachDataObject names subnode 0x44")
	for _, p := range mustProblems(t, broken) {
		if !strings.Contains(p.What, "PidTagAttachDataObject") {
			t.Errorf("unexpected problem %s", p)
		}
	}
}

// enclosingBlock finds the block whose data holds file offset off: its
// start, data size and trailer offset, checked by signature and CRC.
func enclosingBlock(t *testing.T, data []byte, off int) (ib, cb, tr int) {
	t.Helper()
	for ib = off &^ 63; ib >= amapFirst && off-ib <= maxBlockData; ib -= 64 {
		for tr = (off+16+63)&^63 - 16; tr+16-ib <= maxBlockData+16+64 && tr+16 <= len(data); tr += 64 {
			cb = int(le.Uint16(data[tr:]))
			bid := le.Uint64(data[tr+8:])
			if int(blockSize(cb)) == tr+16-ib && off < ib+cb && le.Uint16(data[tr+2:]) == signature(uint64(ib), bid) &&
				le.Uint32(data[tr+4:]) == crc(data[ib:ib+cb]) {
				return ib, cb, tr
			}
		}
	}
	t.Fatalf("no block holds offset %#x", off)
	return 0, 0, 0
}
