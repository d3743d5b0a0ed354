package sync

import (
	"bytes"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// maxHeaderScan bounds how much of a message is kept to find its header.
const maxHeaderScan = 128 << 10

// headerTap sees a message's bytes as they stream into the store and keeps
// the header (up to maxHeaderScan), so the Message-ID needs no ENVELOPE
// from the server. Memory: at most maxHeaderScan per message in flight.
type headerTap struct {
	buf  []byte
	done bool
}

func (h *headerTap) Write(p []byte) (int, error) {
	if h.done {
		return len(p), nil
	}
	from := max(0, len(h.buf)-3)
	h.buf = append(h.buf, p[:min(len(p), maxHeaderScan-len(h.buf))]...)
	if i := bytes.Index(h.buf[from:], []byte("\r\n\r\n")); i >= 0 {
		h.buf, h.done = h.buf[:from+i+4], true
	} else if i := bytes.Index(h.buf[from:], []byte("\n\n")); i >= 0 {
		h.buf, h.done = h.buf[:from+i+2], true
	} else if len(h.buf) >= maxHeaderScan {
		h.done = true
	}
	return len(p), nil
}

// MessageID parses the header seen as go-imap parses an ENVELOPE's
// message-id (no angle brackets); "" when there is none or it is unreadable.
// Only the first Message-ID field of the header (up to its first empty
// line) is parsed, by go-message's own msg-id parser: parsing every field
// of every message was a sixth of a pull's CPU. Like a server building an
// ENVELOPE, a malformed line elsewhere in the header does not hide the
// field.
func (h *headerTap) MessageID() string {
	field := messageIDField(h.buf)
	if field == nil {
		return ""
	}
	var th textproto.Header
	th.AddRaw(field)
	id, err := (&mail.Header{Header: message.Header{Header: th}}).MessageID()
	if err != nil {
		return ""
	}
	return id
}

// messageIDField returns the raw first Message-ID field of header (its
// line and any folded continuation lines), nil when there is none before
// the header's end. It allocates nothing.
func messageIDField(header []byte) []byte {
	for at := 0; at < len(header); {
		end := lineEnd(header, at)
		line := header[at:end]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil // the empty line that ends the header
		}
		if isMessageIDName(line) {
			for end < len(header) && (header[end] == ' ' || header[end] == '\t') {
				end = lineEnd(header, end)
			}
			return header[at:end]
		}
		at = end
	}
	return nil
}

// lineEnd is the index just past the line starting at at (past its \n, or
// the end of b).
func lineEnd(b []byte, at int) int {
	if i := bytes.IndexByte(b[at:], '\n'); i >= 0 {
		return at + i + 1
	}
	return len(b)
}

// isMessageIDName: the line is a "Message-ID:" field, any case, spaces or
// tabs allowed before the colon (go-message trims them from the name).
func isMessageIDName(line []byte) bool {
	const name = "message-id"
	if len(line) <= len(name) || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}

func (h *headerTap) reset() { h.buf, h.done = h.buf[:0], false }
