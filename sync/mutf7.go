package sync

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Modified UTF-7 (RFC 3501 section 5.1.3) is how IMAP servers without
// UTF8=ACCEPT spell folder names on the wire. go-imap v2 encodes and
// decodes it internally (its codec is in an internal package), so the
// engine's folder names are UTF-8; this codec lets the mapping show the
// wire form, measure it against the destination's length limit, and read
// names that were recorded in wire form.
//
// The decoder is strict: it accepts only the canonical spelling the
// encoder produces, so Encode(Decode(w)) == w for every w it accepts.

// ErrMUTF7 is wrapped by every decoding failure.
var ErrMUTF7 = errors.New("not valid modified UTF-7")

// mutf7Alphabet is base64 with ',' instead of '/', used without padding.
const mutf7Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

var mutf7Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(mutf7Alphabet); i++ {
		t[mutf7Alphabet[i]] = int8(i)
	}
	return
}()

// selfRepresenting reports the characters written as themselves: printable
// US-ASCII except '&'.
func selfRepresenting(r rune) bool { return r >= 0x20 && r <= 0x7e && r != '&' }

// EncodeMUTF7 returns the wire spelling of a UTF-8 folder name. It fails
// only when name is not valid UTF-8.
func EncodeMUTF7(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("folder name %q is not valid UTF-8", name)
	}
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		b.WriteByte('&')
		b.WriteString(encodeBase64UTF16(run))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range name {
		switch {
		case r == '&':
			flush()
			b.WriteString("&-")
		case selfRepresenting(r):
			flush()
			b.WriteRune(r)
		default:
			run = append(run, r)
		}
	}
	flush()
	return b.String(), nil
}

func encodeBase64UTF16(rs []rune) string {
	units := utf16.Encode(rs)
	var out []byte
	var acc uint32
	bits := 0
	for _, u := range units {
		acc = acc<<16 | uint32(u)
		bits += 16
		for bits >= 6 {
			bits -= 6
			out = append(out, mutf7Alphabet[(acc>>uint(bits))&0x3f])
		}
	}
	if bits > 0 {
		out = append(out, mutf7Alphabet[(acc<<uint(6-bits))&0x3f])
	}
	return string(out)
}

// DecodeMUTF7 turns a wire folder name into UTF-8. It rejects bytes
// outside printable US-ASCII, unterminated or empty shifts other than
// "&-", bad base64, non-zero padding bits, broken surrogate pairs,
// printable ASCII hidden in a shift, and two adjacent shifts (which the
// canonical form merges).
func DecodeMUTF7(wire string) (string, error) {
	var b strings.Builder
	prevShift := false
	for i := 0; i < len(wire); {
		c := wire[i]
		if c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("%w: byte 0x%02x at %d in %q", ErrMUTF7, c, i, wire)
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			prevShift = false
			continue
		}
		end := strings.IndexByte(wire[i+1:], '-')
		if end < 0 {
			return "", fmt.Errorf("%w: unterminated '&' at %d in %q", ErrMUTF7, i, wire)
		}
		body := wire[i+1 : i+1+end]
		i += end + 2
		if body == "" {
			b.WriteByte('&')
			prevShift = false
			continue
		}
		if prevShift {
			return "", fmt.Errorf("%w: two adjacent encoded runs in %q", ErrMUTF7, wire)
		}
		s, err := decodeBase64UTF16(body)
		if err != nil {
			return "", fmt.Errorf("%w: %v in %q", ErrMUTF7, err, wire)
		}
		b.WriteString(s)
		prevShift = true
	}
	return b.String(), nil
}

func decodeBase64UTF16(body string) (string, error) {
	var units []uint16
	var acc uint32
	bits := 0
	for i := 0; i < len(body); i++ {
		v := mutf7Index[body[i]]
		if v < 0 {
			return "", fmt.Errorf("character %q is not modified base64", body[i])
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 16 {
			bits -= 16
			units = append(units, uint16(acc>>uint(bits)))
			acc &= 1<<uint(bits) - 1
		}
	}
	if bits >= 6 || acc != 0 {
		return "", errors.New("leftover bits after the last character")
	}
	var out []rune
	for i := 0; i < len(units); i++ {
		u := rune(units[i])
		switch {
		case utf16.IsSurrogate(u):
			if u >= 0xdc00 || i+1 >= len(units) {
				return "", errors.New("broken surrogate pair")
			}
			r := utf16.DecodeRune(u, rune(units[i+1]))
			if r == utf8.RuneError {
				return "", errors.New("broken surrogate pair")
			}
			out = append(out, r)
			i++
		case u == '&' || selfRepresenting(u):
			return "", fmt.Errorf("%q must not be encoded", u)
		default:
			out = append(out, u)
		}
	}
	return string(out), nil
}
