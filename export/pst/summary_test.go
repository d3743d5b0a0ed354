package pst

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"
	"time"

	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
)

// summary is what the readers' output is compared on, message by message.
type summary struct {
	ID, Subject, From string
	To, Cc            []string
	Date              time.Time
	Text, HTML        string
	Attachments       []string // "name sha256", sorted
	Read              bool
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func normText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimRight(s, " \t\r\n")
}

var testWordDecoder = &mime.WordDecoder{CharsetReader: gomessage.CharsetReader}

func addrList(h mail.Header, key string) []string {
	l, _ := h.AddressList(key)
	var out []string
	for _, a := range l {
		out = append(out, strings.ToLower(a.Address))
	}
	slices.Sort(out)
	return out
}

// summarize parses a message with go-message's own entity reader (not the
// writer's mapping code) and reduces it to a summary.
func summarize(raw []byte) (summary, error) {
	var s summary
	e, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil && !gomessage.IsUnknownCharset(err) {
		return s, err
	}
	h := mail.Header{Header: e.Header}
	s.ID = strings.Trim(h.Get("Message-Id"), "<> ")
	s.Subject, _ = h.Subject()
	if from := addrList(h, "From"); len(from) > 0 {
		s.From = from[0]
	}
	s.To, s.Cc = addrList(h, "To"), addrList(h, "Cc")
	s.Date, _ = h.Date()
	s.Read = strings.Contains(h.Get("Status"), "R")
	err = e.Walk(func(_ []int, part *gomessage.Entity, err error) error {
		if err != nil && !gomessage.IsUnknownCharset(err) {
			return err
		}
		if part.MultipartReader() != nil {
			return nil
		}
		mt, params, _ := part.Header.ContentType()
		disp, dp, _ := part.Header.ContentDisposition()
		name := dp["filename"]
		if name == "" {
			name = params["name"]
		}
		if d, err := testWordDecoder.DecodeHeader(name); err == nil {
			name = d
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			return err
		}
		attached := strings.EqualFold(disp, "attachment") || name != ""
		switch {
		case mt == "message/rfc822" && !strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64"):
			inner, _ := summarize(dropFromLine(body))
			s.Attachments = append(s.Attachments, embeddedEntry(inner))
		case mt == "text/plain" && !attached && s.Text == "":
			s.Text = normText(string(body))
		case mt == "text/html" && !attached && s.HTML == "":
			s.HTML = normText(string(body))
		default:
			s.Attachments = append(s.Attachments, name+" "+sha(body))
		}
		return nil
	})
	slices.Sort(s.Attachments)
	return s, err
}

// embeddedEntry is how an attached message is compared: its subject, a
// hash of its text body and its own attachments (embedded ones nested).
// A message/rfc822 part is one, unless it is base64-encoded (RFC 2046
// forbids that for messages; readpst writes file attachments, such as the
// original.eml of a message kept raw, in base64).
func embeddedEntry(s summary) string {
	return "message " + s.Subject + " | text " + sha([]byte(s.Text)) + " | [" + strings.Join(s.Attachments, ", ") + "]"
}

// dropFromLine removes the mbox "From " line (">From " in readpst's
// output) that readpst writes at the top of an embedded message.
func dropFromLine(b []byte) []byte {
	if bytes.HasPrefix(b, []byte("From ")) || bytes.HasPrefix(b, []byte(">From ")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[i+1:]
		}
	}
	return b
}

// diff lists the fields in which got differs from want.
func (want summary) diff(got summary) []string {
	var d []string
	cmp := func(field string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			as, bs := fmt.Sprint(a), fmt.Sprint(b)
			if len(as) > 200 {
				as = as[:200] + "…"
			}
			if len(bs) > 200 {
				bs = bs[:200] + "…"
			}
			d = append(d, fmt.Sprintf("%s: want %q, got %q", field, as, bs))
		}
	}
	cmp("subject", want.Subject, got.Subject)
	cmp("from", want.From, got.From)
	cmp("to", want.To, got.To)
	cmp("cc", want.Cc, got.Cc)
	cmp("date", want.Date.Unix(), got.Date.Unix())
	cmp("text", want.Text, got.Text)
	cmp("html", want.HTML, got.HTML)
	cmp("attachments", want.Attachments, got.Attachments)
	cmp("read", want.Read, got.Read)
	return d
}
