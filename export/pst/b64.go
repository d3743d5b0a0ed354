package pst

import (
	"encoding/base64"
	"fmt"
	"io"
)

// b64Alphabet marks the bytes of the standard base64 alphabet and '='.
var b64Alphabet = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") {
		t[c] = true
	}
	return t
}()

// b64Reader decodes a base64 body in one pass: bytes outside the alphabet
// (line breaks, stray spaces) are dropped with a table, and whole 4-byte
// quanta are decoded straight into the caller's buffer. Data after padding,
// a bad quantum, or a dangling single character at the end is an error
// (malformed MIME), as with encoding/base64's decoder; a final quantum of
// two or three characters without '=' is decoded.
type b64Reader struct {
	r      io.Reader
	raw    []byte // read buffer
	q      []byte // cleaned characters not yet decoded (fewer than 4 between calls)
	out    []byte // decoded bytes not yet returned (when p was too small)
	padded bool   // a quantum with '=' was decoded: nothing may follow
	err    error
}

func newB64Reader(r io.Reader) *b64Reader {
	return &b64Reader{r: r, raw: make([]byte, 32<<10), q: make([]byte, 0, 32<<10+4)}
}

// reset makes b read a new stream from r, keeping its buffers.
func (b *b64Reader) reset(r io.Reader) {
	*b = b64Reader{r: r, raw: b.raw, q: b.q[:0]}
}

// Read implements io.Reader.
func (b *b64Reader) Read(p []byte) (int, error) {
	for {
		if len(b.out) > 0 {
			n := copy(p, b.out)
			b.out = b.out[n:]
			return n, nil
		}
		if b.err != nil {
			return 0, b.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		// Read at most what decodes into p (or a small chunk when p is tiny).
		want := min(len(b.raw), max(len(p)/3*4-len(b.q), 64))
		n, err := b.r.Read(b.raw[:want])
		for _, c := range b.raw[:n] {
			if b64Alphabet[c] {
				b.q = append(b.q, c)
			}
		}
		if err != nil && err != io.EOF {
			b.err = err
		}
		whole := len(b.q) / 4 * 4
		if err == io.EOF {
			b.err = io.EOF
			switch len(b.q) - whole {
			case 1:
				b.err = fmt.Errorf("base64: %d stray characters at the end", 1)
			case 2, 3:
				whole = len(b.q) // an unpadded last quantum
			}
		}
		if whole == 0 {
			continue
		}
		if b.padded {
			b.err = fmt.Errorf("base64: data after padding")
			continue
		}
		chunk := b.q[:whole]
		enc := base64.StdEncoding
		if whole%4 != 0 {
			enc = base64.RawStdEncoding
		}
		dst := p
		if enc.DecodedLen(len(chunk)) > len(p) {
			dst = make([]byte, enc.DecodedLen(len(chunk)))
		}
		k, derr := enc.Decode(dst, chunk)
		b.padded = chunk[len(chunk)-1] == '='
		b.q = b.q[:copy(b.q, b.q[whole:])]
		if derr != nil {
			b.err = fmt.Errorf("base64: %w", derr)
			k = 0
		}
		if &dst[0] != &p[0] {
			b.out = dst[:k]
			continue
		}
		if k > 0 {
			return k, nil
		}
	}
}
