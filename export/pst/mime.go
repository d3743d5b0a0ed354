package pst

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// errMalformed marks MIME that cannot be walked; the message is then
// exported raw (see rawMessage).
var errMalformed = errors.New("malformed MIME")

const maxMIMEDepth = 40

// mapper turns one RFC 5322 message into the message model, streaming large
// bodies and attachments into the file as it reads them.
type mapper struct {
	store  *valueStore // where values go (streamed or deferred)
	m      *message
	warns  []string
	tmpDir string // spool files of embedded messages ("" = the system's)
	*scratch
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// rawHeaderBlock returns the header block of a message (up to and excluding
// the blank line), with line ends made CRLF.
func rawHeaderBlock(head []byte) string {
	h := string(head[:headerEnd(head)])
	h = strings.TrimRight(h, "\r\n")
	h = strings.ReplaceAll(h, "\r\n", "\n")
	return strings.ReplaceAll(h, "\n", "\r\n") + "\r\n"
}

// headerEnd is the offset of the body: after the first empty line.
func headerEnd(head []byte) int {
	end := len(head)
	if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
		end = i + 4
	}
	if i := bytes.Index(head[:end], []byte("\n\n")); i >= 0 && i+2 < end {
		end = i + 2
	}
	return end
}

// mapMessage parses src; errMalformed-wrapped errors mean the caller should
// roll back and export the message raw.
func (mp *mapper) mapMessage(src *spooled) error { return mp.mapMessageAt(src, 0) }

// mapMessageAt maps a message found at MIME nesting depth (0 at the top).
func (mp *mapper) mapMessageAt(src *spooled, depth int) error {
	mp.m = &message{importance: 1, headers: rawHeaderBlock(src.head(1 << 20))}
	if mp.scratch == nil {
		mp.scratch = newScratch()
	}
	br := mp.br
	br.Reset(src.reader())
	defer br.Reset(nil)
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return fmt.Errorf("%w: header: %v", errMalformed, err)
	}
	mp.envelope(h)
	return mp.walk(h, br, depth)
}

func (mp *mapper) warn(format string, args ...any) {
	mp.warns = append(mp.warns, fmt.Sprintf(format, args...))
}

// walk maps one entity (header already read, body in r).
func (mp *mapper) walk(h textproto.Header, r io.Reader, depth int) error {
	if depth > maxMIMEDepth {
		return fmt.Errorf("%w: nesting deeper than %d", errMalformed, maxMIMEDepth)
	}
	mh := gomessage.Header{Header: h}
	mediaType, params, err := mh.ContentType()
	if err != nil {
		if h.Get("Content-Type") != "" {
			mp.warn("content-type %q: %v", h.Get("Content-Type"), err)
		}
		mediaType, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			return fmt.Errorf("%w: multipart without boundary", errMalformed)
		}
		mr := textproto.NewMultipartReader(r, boundary)
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%w: %v", errMalformed, err)
			}
			if err := mp.walk(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	disp, dparams, _ := mh.ContentDisposition()
	filename := decodeWords(firstNonEmpty(dparams["filename"], params["name"]))
	isText := mediaType == "text/plain" || mediaType == "text/html"
	if isText && !strings.EqualFold(disp, "attachment") && filename == "" {
		if mediaType == "text/plain" && mp.m.body == nil {
			v, err := mp.text(h, params, r, true)
			mp.m.body = v
			return err
		}
		if mediaType == "text/html" && mp.m.html == nil {
			v, err := mp.text(h, params, r, false)
			mp.m.html = v
			return err
		}
	}
	if mediaType == "message/rfc822" {
		return mp.embedded(h, mediaType, filename, r, depth)
	}
	return mp.attachment(h, mediaType, disp, filename, r)
}

// text streams a text body, converted from its charset.
func (mp *mapper) text(h textproto.Header, params map[string]string, r io.Reader, asUTF16 bool) (*value, error) {
	body, done := mp.decoded(h, r)
	defer done()
	if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		if cr, err := charset.Reader(cs, body); err == nil {
			body = cr
		} else {
			mp.warn("unknown charset %q: text kept as UTF-8 / Latin-1", cs)
		}
	}
	sink := newValueSink(mp.store)
	if _, err := textTo(&writeErrWrap{sink}, body, asUTF16); err != nil {
		return nil, mp.bodyErr(err)
	}
	return sink.finish()
}

func (mp *mapper) attachment(h textproto.Header, mediaType, disp, filename string, r io.Reader) error {
	a := attachment{mimeType: mediaType, filename: filename}
	a.contentID = strings.Trim(strings.TrimSpace(h.Get("Content-Id")), "<>")
	a.inline = strings.EqualFold(disp, "inline") && a.contentID != ""
	if a.filename == "" {
		a.filename = defaultName(mediaType, len(mp.m.attachments)+1)
	}
	sink := newValueSink(mp.store)
	body, done := mp.decoded(h, r)
	defer done()
	var buf []byte
	if mp.scratch != nil {
		buf = mp.copyBuf
	}
	if _, err := io.CopyBuffer(&writeErrWrap{sink}, onlyReader{body}, buf); err != nil {
		return mp.bodyErr(err)
	}
	v, err := sink.finish()
	if err != nil {
		return err
	}
	a.data = v
	mp.m.attachments = append(mp.m.attachments, a)
	return nil
}

func defaultName(mediaType string, n int) string {
	switch mediaType {
	case "message/rfc822":
		return fmt.Sprintf("message-%d.eml", n)
	case "text/plain":
		return fmt.Sprintf("part-%d.txt", n)
	case "text/html":
		return fmt.Sprintf("part-%d.html", n)
	}
	if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
		return fmt.Sprintf("part-%d%s", n, exts[0])
	}
	return fmt.Sprintf("part-%d.bin", n)
}
