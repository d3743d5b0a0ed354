package sync

import (
	"bufio"
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
func (h *headerTap) MessageID() string {
	hdr, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(append(h.buf, "\r\n"...))))
	if err != nil {
		return ""
	}
	mh := mail.Header{Header: message.Header{Header: hdr}}
	id, err := mh.MessageID()
	if err != nil {
		return ""
	}
	return id
}

func (h *headerTap) reset() { h.buf, h.done = h.buf[:0], false }
