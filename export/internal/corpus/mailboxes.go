package corpus

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Demo is a small mailbox like a real small business's: nested and
// non-ASCII folders, plain, HTML and alternative bodies, inline images,
// attachments with non-ASCII names, a forwarded message (message/rfc822),
// Latin-1 and quoted-printable bodies, and read, unread and flagged mail.
func Demo() *Mailbox {
	r := rand.New(rand.NewPCG(1, 2))
	mb := &Mailbox{}
	for _, f := range []string{"Inbox", "Sent", "Archive", "Archive/2023", "Projekte Büro", "Projekte Büro/Ångström 日本"} {
		mb.folder(f)
	}
	n := 0
	next := func() (string, time.Time) {
		n++
		return fmt.Sprintf("demo%03d@corpus.example", n), base.Add(time.Duration(n) * 37 * time.Minute)
	}
	folders := mb.Folders
	for i := 0; i < 36; i++ {
		id, date := next()
		folder := folders[i%len(folders)]
		var flags []string
		if i%3 != 0 {
			flags = append(flags, `\Seen`)
		}
		if i%5 == 0 {
			flags = append(flags, `\Flagged`)
		}
		subject := fmt.Sprintf("%s %d", sentence(r, 3), i)
		if i%4 == 1 {
			subject = fmt.Sprintf("Grüße aus Köln — 東京 %d €", i)
		}
		w := &builder{}
		w.envelope(id, fmt.Sprintf("Jörg Müller <joerg%d@old.example>", i%4), "Anna Schmidt <anna@old.example>, bob@old.example",
			map[bool]string{true: "Chef <boss@old.example>", false: ""}[i%2 == 0], subject, date)
		text := paragraphs(r, 200+r.IntN(3000)) + fmt.Sprintf("Ünïcödé line %d\r\n", i)
		html := "<html><body><p>" + sentence(r, 20) + fmt.Sprintf(" <b>Grüße %d</b></p></body></html>\r\n", i)
		switch i % 6 {
		case 0: // plain UTF-8, quoted-printable
			w.header("Content-Type", "text/plain; charset=utf-8")
			w.header("Content-Transfer-Encoding", "quoted-printable")
			w.b.WriteString("\r\n" + qp(text))
		case 1: // alternative
			b := w.newBoundary()
			w.header("Content-Type", fmt.Sprintf("multipart/alternative; boundary=%q", b))
			fmt.Fprintf(&w.b, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s\r\n--%s--\r\n", b, text, b, html, b)
		case 2: // mixed with attachments
			b := w.newBoundary()
			w.header("Content-Type", fmt.Sprintf("multipart/mixed; boundary=%q", b))
			fmt.Fprintf(&w.b, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", b, text)
			w.attach(b, fmt.Sprintf("Rechnung Nr %d.pdf", i), "application/pdf", randBytes(r, 1000+r.IntN(20000)), "")
			w.attach(b, fmt.Sprintf("Übersicht-%d.xlsx", i), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", randBytes(r, 300+r.IntN(5000)), "")
			fmt.Fprintf(&w.b, "--%s--\r\n", b)
		case 3: // related: HTML with an inline image
			b, alt := w.newBoundary(), w.newBoundary()
			w.header("Content-Type", fmt.Sprintf("multipart/related; boundary=%q", b))
			cid := fmt.Sprintf("logo%d@corpus.example", i)
			fmt.Fprintf(&w.b, "\r\n--%s\r\nContent-Type: multipart/alternative; boundary=%q\r\n\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><img src=\"cid:%s\">%s</body></html>\r\n--%s--\r\n", b, alt, alt, text, alt, cid, html, alt)
			w.attach(b, "logo.png", "image/png", randBytes(r, 2000+r.IntN(4000)), cid)
			fmt.Fprintf(&w.b, "--%s--\r\n", b)
		case 4: // Latin-1 plain text
			w.header("Content-Type", "text/plain; charset=iso-8859-1")
			w.header("Content-Transfer-Encoding", "8bit")
			w.b.WriteString("\r\n")
			w.b.Write(latin1(fmt.Sprintf("Sehr geehrte Damen und Herren, Größe %d, Café.\r\n%s", i, paragraphs(r, 500))))
		case 5: // forwarded message
			b := w.newBoundary()
			w.header("Content-Type", fmt.Sprintf("multipart/mixed; boundary=%q", b))
			inner := &builder{}
			inner.envelope(fmt.Sprintf("inner%d@corpus.example", i), "Carol <carol@old.example>", "Jörg <joerg@old.example>", "", "Original: "+sentence(r, 3), date.Add(-time.Hour))
			inner.header("Content-Type", "text/plain; charset=utf-8")
			inner.b.WriteString("\r\n" + paragraphs(r, 400))
			fmt.Fprintf(&w.b, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee below.\r\n--%s\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"forwarded.eml\"\r\n\r\n%s\r\n--%s--\r\n", b, b, inner.b.String(), b)
		}
		mb.add(folder, w.b.Bytes(), id, flags, date)
	}
	return mb
}

func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		if r < 256 {
			b = append(b, byte(r))
		} else {
			b = append(b, '?')
		}
	}
	return b
}

// Bulk is count messages in folder with bodies and small attachments whose
// sizes average about avgSize bytes. seed makes different bulks differ.
func Bulk(folder string, count, avgSize int, seed uint64) *Mailbox {
	mb := &Mailbox{}
	mb.folder(folder)
	BulkEach(folder, count, avgSize, seed, func(m Message) { mb.Messages = append(mb.Messages, m) })
	return mb
}

// BulkEach generates the same messages as Bulk one at a time, so that a
// large corpus never has to be in memory at once.
func BulkEach(folder string, count, avgSize int, seed uint64, fn func(Message)) {
	r := rand.New(rand.NewPCG(seed, 7))
	for i := 0; i < count; i++ {
		id := fmt.Sprintf("bulk%d-%06d@corpus.example", seed, i)
		date := base.Add(time.Duration(i) * time.Minute)
		w := &builder{}
		w.envelope(id, fmt.Sprintf("Sender %d <s%d@old.example>", i%50, i%50), fmt.Sprintf("User %d <u%d@old.example>", i%7, i%7), "", fmt.Sprintf("%s #%d", sentence(r, 4), i), date)
		size := avgSize/2 + r.IntN(avgSize+1)
		if i%4 == 0 {
			b := w.newBoundary()
			w.header("Content-Type", fmt.Sprintf("multipart/mixed; boundary=%q", b))
			fmt.Fprintf(&w.b, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", b, paragraphs(r, size/4))
			w.attach(b, fmt.Sprintf("file%d.bin", i), "application/octet-stream", randBytes(r, size/2), "")
			fmt.Fprintf(&w.b, "--%s--\r\n", b)
		} else {
			w.header("Content-Type", "text/plain; charset=utf-8")
			w.b.WriteString("\r\n" + paragraphs(r, size))
		}
		var flags []string
		if i%3 != 0 {
			flags = []string{`\Seen`}
		}
		fn(Message{Folder: folder, Raw: w.b.Bytes(), Flags: flags, Date: date, ID: id})
	}
}

// ManyAttachments is one message with n small attachments.
func ManyAttachments(folder string, n int) *Mailbox {
	r := rand.New(rand.NewPCG(3, 4))
	mb := &Mailbox{}
	w := &builder{}
	id := fmt.Sprintf("many%d@corpus.example", n)
	w.envelope(id, "Scanner <scan@old.example>", "archive@old.example", "", fmt.Sprintf("%d scans", n), base)
	b := w.newBoundary()
	w.header("Content-Type", fmt.Sprintf("multipart/mixed; boundary=%q", b))
	fmt.Fprintf(&w.b, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%d attachments follow.\r\n", b, n)
	for i := 0; i < n; i++ {
		w.attach(b, fmt.Sprintf("scan-%04d.dat", i), "application/octet-stream", randBytes(r, 50+r.IntN(3000)), "")
	}
	fmt.Fprintf(&w.b, "--%s--\r\n", b)
	mb.add(folder, w.b.Bytes(), id, []string{`\Seen`}, base)
	return mb
}

// LargeAttachment is one message with an attachment of size bytes and a
// text body of bodySize bytes (both may exceed 8 MB: XXBLOCK trees).
func LargeAttachment(folder string, size, bodySize int) *Mailbox {
	r := rand.New(rand.NewPCG(5, 6))
	mb := &Mailbox{}
	w := &builder{}
	id := fmt.Sprintf("large%d@corpus.example", size)
	w.envelope(id, "Designer <design@old.example>", "print@old.example", "", "Final artwork", base)
	b := w.newBoundary()
	w.header("Content-Type", fmt.Sprintf("multipart/mixed; boundary=%q", b))
	fmt.Fprintf(&w.b, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", b, paragraphs(r, bodySize))
	w.attach(b, "artwork.tif", "image/tiff", randBytes(r, size), "")
	fmt.Fprintf(&w.b, "--%s--\r\n", b)
	mb.add(folder, w.b.Bytes(), id, nil, base)
	return mb
}

// Broken holds messages that are malformed or use unknown charsets; each
// must still be exported (with a warning) and keep its text.
func Broken(folder string) *Mailbox {
	mb := &Mailbox{}
	hdr := func(id, subj string) string {
		return fmt.Sprintf("From: Broken <broken@old.example>\r\nTo: x@old.example\r\nSubject: %s\r\nDate: Fri, 01 Mar 2024 09:00:00 +0000\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", subj, id)
	}
	add := func(id, raw string) { mb.add(folder, []byte(raw), id, []string{`\Seen`}, base) }
	add("unknown-charset@corpus.example", hdr("unknown-charset@corpus.example", "=?x-unknown-42?Q?caf=E9?= menu")+
		"Content-Type: text/plain; charset=x-unknown-42\r\n\r\nCaf\xe9 au lait costs 3 \xa4.\r\n")
	add("no-boundary@corpus.example", hdr("no-boundary@corpus.example", "multipart without boundary")+
		"Content-Type: multipart/mixed\r\n\r\nThis body has no parts at all.\r\n")
	add("unterminated@corpus.example", hdr("unterminated@corpus.example", "unterminated multipart")+
		"Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nfirst part, never closed\r\n")
	add("bad-base64@corpus.example", hdr("bad-base64@corpus.example", "corrupt base64")+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=gd29ybGQ===***\r\n")
	add("bare-lf@corpus.example", "From: lf@old.example\nTo: y@old.example\nSubject: bare LF line ends\nMessage-ID: <bare-lf@corpus.example>\nDate: Fri, 01 Mar 2024 09:00:00 +0000\n\nbody with LF only\n")
	add("no-headers@corpus.example", "Message-ID: <no-headers@corpus.example>\r\n\r\njust a body, no From, no Date\r\n")
	return mb
}
