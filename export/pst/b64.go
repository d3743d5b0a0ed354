package pst

import (
	"bytes"
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
		b.q = appendLines(b.q, b.raw[:n])
		atEOF := err == io.EOF
		if err != nil && !atEOF {
			b.err = err
		}
		k, dst, derr := b.decode(p, atEOF)
		if derr != nil { // a character outside the alphabet: drop those, once
			b.q = filterB64(b.q)
			k, dst, derr = b.decode(p, atEOF)
		}
		if derr != nil {
			b.err = derr
			continue
		}
		if atEOF && b.err == nil {
			b.err = io.EOF
		}
		if k == 0 {
			continue
		}
		if &dst[0] != &p[0] {
			b.out = dst[:k]
			continue
		}
		return k, nil
	}
}

// decode decodes the whole quanta of b.q (at the end also an unpadded last
// quantum) into p, or into a new buffer when p is too small, and keeps the
// rest in b.q. On an error b.q is left as it was.
func (b *b64Reader) decode(p []byte, atEOF bool) (int, []byte, error) {
	whole := len(b.q) / 4 * 4
	if atEOF {
		switch len(b.q) - whole {
		case 1:
			return 0, nil, fmt.Errorf("base64: a stray character at the end")
		case 2, 3:
			whole = len(b.q) // an unpadded last quantum
		}
	}
	if whole == 0 {
		return 0, nil, nil
	}
	if b.padded {
		return 0, nil, fmt.Errorf("base64: data after padding")
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
	// Every quantum but the last (which may hold padding) the fast way;
	// what b64Fast leaves, the standard decoder (which also reports errors).
	r, w := b64Fast(dst, chunk[:max(whole-4, 0)])
	k, err := enc.Decode(dst[w:], chunk[r:])
	k += w
	if err != nil {
		return 0, nil, fmt.Errorf("base64: %w", err)
	}
	b.padded = chunk[len(chunk)-1] == '='
	b.q = b.q[:copy(b.q, b.q[whole:])]
	return k, dst, nil
}

// appendLines appends src to dst without its line breaks (LF and CRLF),
// a line at a time.
func appendLines(dst, src []byte) []byte {
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		dst = append(dst, line...)
	}
	return dst
}

// filterB64 drops, in place, every byte outside the base64 alphabet.
func filterB64(q []byte) []byte {
	k := 0
	for _, c := range q {
		if b64Alphabet[c] {
			q[k] = c
			k++
		}
	}
	return q[:k]
}
