// Package corpus generates deterministic test mailboxes for the export
// tests and the benchmark: every message is RFC 5322 bytes with IMAP flags
// and an INTERNALDATE, and carries a unique Message-ID so readers' output
// can be matched back to its source.
package corpus

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// Message is one generated message.
type Message struct {
	Folder string // folder path, "/"-separated
	Raw    []byte
	Flags  []string
	Date   time.Time
	ID     string // Message-ID without brackets
}

// Mailbox is a generated mailbox: folders in creation order and messages.
type Mailbox struct {
	Folders  []string
	Messages []Message
}

func (mb *Mailbox) folder(path string) {
	for _, f := range mb.Folders {
		if f == path {
			return
		}
	}
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		mb.folder(path[:i])
	}
	mb.Folders = append(mb.Folders, path)
}

func (mb *Mailbox) add(folder string, raw []byte, id string, flags []string, date time.Time) {
	mb.folder(folder)
	mb.Messages = append(mb.Messages, Message{Folder: folder, Raw: raw, Flags: flags, Date: date, ID: id})
}

var base = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

// builder writes one message.
type builder struct {
	b        bytes.Buffer
	boundary int
}

func (w *builder) header(k, v string) { fmt.Fprintf(&w.b, "%s: %s\r\n", k, v) }

func (w *builder) envelope(id, from, to, cc, subject string, date time.Time) {
	w.header("From", from)
	w.header("To", to)
	if cc != "" {
		w.header("Cc", cc)
	}
	w.header("Subject", mime.QEncoding.Encode("utf-8", subject))
	w.header("Date", date.Format(time.RFC1123Z))
	w.header("Message-ID", "<"+id+">")
	w.header("MIME-Version", "1.0")
}

func (w *builder) newBoundary() string {
	w.boundary++
	return fmt.Sprintf("=_b%d_%x", w.boundary, w.b.Len())
}

func qp(s string) string {
	var b bytes.Buffer
	q := quotedprintable.NewWriter(&b)
	q.Write([]byte(s))
	q.Close()
	return strings.ReplaceAll(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\n", "\r\n")
}

func b64(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// attach writes an attachment part.
func (w *builder) attach(boundary, name, ctype string, data []byte, inlineCID string) {
	fmt.Fprintf(&w.b, "--%s\r\n", boundary)
	w.header("Content-Type", fmt.Sprintf("%s; name=%q", ctype, mime.QEncoding.Encode("utf-8", name)))
	if inlineCID != "" {
		w.header("Content-Disposition", fmt.Sprintf("inline; filename=%q", name))
		w.header("Content-ID", "<"+inlineCID+">")
	} else {
		w.header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", mime.QEncoding.Encode("utf-8", name)))
	}
	w.header("Content-Transfer-Encoding", "base64")
	w.b.WriteString("\r\n")
	w.b.WriteString(b64(data))
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for k := 0; k < 8 && i+k < n; k++ {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	return b
}

var words = strings.Fields("migration mailbox server invoice meeting report budget schedule customer project " +
	"delivery contract update review quarterly planning office network backup printer license")

func sentence(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	return strings.Join(ws, " ")
}

func paragraphs(r *rand.Rand, size int) string {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(sentence(r, 8+r.IntN(10)))
		b.WriteString(".\r\n")
	}
	return b.String()
}
