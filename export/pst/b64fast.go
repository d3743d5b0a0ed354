package pst

import "encoding/binary"

// b64Quad[k][c] is the 6-bit value of base64 character c placed at the
// k-th position of a 24-bit quantum (bits 18, 12, 6, 0), or b64Bad for a
// byte outside the alphabet (and for '=': padding is left to the standard
// decoder). OR-ing the four lookups gives the quantum's three bytes, with
// bit 24 or above set when any character was not a plain base64 digit.
var b64Quad = func() (t [4][256]uint32) {
	for k := range t {
		for c := range t[k] {
			t[k][c] = b64Bad
		}
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for v := 0; v < 64; v++ {
		c := alphabet[v]
		t[0][c], t[1][c], t[2][c], t[3][c] = uint32(v)<<18, uint32(v)<<12, uint32(v)<<6, uint32(v)
	}
	return t
}()

const b64Bad = 0xFF000000

// b64Fast decodes the leading whole quanta of src made of plain base64
// digits (no padding, no other byte) into dst, and stops at the first
// quantum that is not, at the end of src, or when dst is full. It returns
// how many bytes of src it consumed (a multiple of 4) and wrote to dst (3
// per quantum). It may write up to two bytes past what it reports (within
// len(dst)); the caller decodes the rest of src from there.
func b64Fast(dst, src []byte) (read, written int) {
	d0, d1, d2, d3 := &b64Quad[0], &b64Quad[1], &b64Quad[2], &b64Quad[3]
	i, o := 0, 0
	for ; i+8 <= len(src) && o+8 <= len(dst); i, o = i+8, o+6 {
		s := src[i : i+8 : i+8]
		x := d0[s[0]] | d1[s[1]] | d2[s[2]] | d3[s[3]]
		y := d0[s[4]] | d1[s[5]] | d2[s[6]] | d3[s[7]]
		if (x|y)&b64Bad != 0 {
			break
		}
		binary.BigEndian.PutUint64(dst[o:], uint64(x)<<40|uint64(y)<<16)
	}
	for ; i+4 <= len(src) && o+3 <= len(dst); i, o = i+4, o+3 {
		s := src[i : i+4 : i+4]
		x := d0[s[0]] | d1[s[1]] | d2[s[2]] | d3[s[3]]
		if x&b64Bad != 0 {
			break
		}
		d := dst[o : o+3 : o+3]
		d[0], d[1], d[2] = byte(x>>16), byte(x>>8), byte(x)
	}
	return i, o
}
