package pst

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// scratch holds buffers reused from message to message (a Writer maps one
// message at a time), so mapping allocates little per message.
type scratch struct {
	br      *bufio.Reader
	b64     *b64Reader
	b64Busy bool // b64 is decoding an enclosing part
	copyBuf []byte
}

func newScratch() *scratch {
	return &scratch{br: bufio.NewReaderSize(nil, 64<<10), b64: newB64Reader(nil), copyBuf: make([]byte, 32<<10)}
}

// decoded undoes the Content-Transfer-Encoding; done must be called when
// the returned reader is no longer used.
func (mp *mapper) decoded(h textproto.Header, r io.Reader) (dec io.Reader, done func()) {
	switch enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); enc {
	case "base64":
		if mp.scratch == nil || mp.b64Busy {
			return newB64Reader(r), func() {}
		}
		mp.b64Busy = true
		mp.b64.reset(r)
		return mp.b64, func() { mp.b64.reset(nil); mp.b64Busy = false }
	case "quoted-printable":
		return quotedprintable.NewReader(r), func() {}
	case "", "7bit", "8bit", "binary":
		return r, func() {}
	default:
		mp.warn("unknown transfer encoding %q: kept as is", enc)
		return r, func() {}
	}
}

// bodyErr classifies an error met while reading a part: decoding and
// multipart framing errors are malformed MIME, file errors are not.
func (mp *mapper) bodyErr(err error) error {
	var we *writeError
	if errors.As(err, &we) {
		return we.err
	}
	return fmt.Errorf("%w: %v", errMalformed, err)
}

// writeError marks errors of the destination (the PST file), so that they
// are not mistaken for malformed input.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

type writeErrWrap struct{ w io.Writer }

func (w *writeErrWrap) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		return n, &writeError{err}
	}
	return n, nil
}

// onlyReader hides a reader's WriterTo, so io.CopyBuffer uses the buffer.
type onlyReader struct{ io.Reader }
