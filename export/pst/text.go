package pst

import (
	"encoding/binary"
	"io"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// textTo writes src as UTF-16LE (utf16 true) or UTF-8 to dst, chunk by
// chunk. Invalid UTF-8 bytes are taken as Latin-1, so text in an unknown or
// wrong charset is kept rather than replaced.
func textTo(dst io.Writer, src io.Reader, asUTF16 bool) (int64, error) {
	bufs := textBufs.Get().(*textBuf)
	defer textBufs.Put(bufs)
	in, out := bufs.in[:], bufs.out[:0]
	carry := 0
	var total int64
	for {
		n, rerr := src.Read(in[carry:])
		n += carry
		end := n
		if rerr == nil {
			// keep an incomplete trailing rune for the next read
			for k := max(0, n-3); k < n; k++ {
				if in[k] >= 0xC0 && !utf8.FullRune(in[k:n]) {
					end = k
					break
				}
			}
		}
		out = out[:0]
		for i := 0; i < end; {
			if k := asciiRun(in[i:end]); k > 0 { // ASCII fast path
				if asUTF16 {
					out = widenASCII(out, in[i:i+k])
				} else {
					out = append(out, in[i:i+k]...)
				}
				i += k
				continue
			}
			r, size := utf8.DecodeRune(in[i:end])
			if r == utf8.RuneError && size <= 1 {
				r, size = rune(in[i]), 1
			}
			i += size
			if asUTF16 {
				if r >= 0x10000 {
					a, b := utf16.EncodeRune(r)
					out = append(out, byte(a), byte(a>>8), byte(b), byte(b>>8))
				} else {
					out = append(out, byte(r), byte(r>>8))
				}
			} else {
				out = utf8.AppendRune(out, r)
			}
		}
		if len(out) > 0 {
			if _, err := dst.Write(out); err != nil {
				return total, err
			}
			total += int64(len(out))
		}
		carry = copy(in, in[end:n])
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// asciiRun is the length of p's leading run of ASCII bytes, found eight
// bytes at a time.
func asciiRun(p []byte) int {
	i := 0
	for ; i+8 <= len(p); i += 8 {
		if binary.LittleEndian.Uint64(p[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(p) && p[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// widenASCII appends ASCII bytes as UTF-16LE (each byte then a zero),
// eight at a time; out must have room for 2*len(in) more bytes.
func widenASCII(out, in []byte) []byte {
	n := len(out)
	out = out[:n+2*len(in)]
	dst := out[n:]
	i := 0
	for ; i+8 <= len(in); i += 8 {
		v := binary.LittleEndian.Uint64(in[i:])
		lo, hi := v&0xFFFFFFFF, v>>32
		binary.LittleEndian.PutUint64(dst[2*i:], spread(lo))
		binary.LittleEndian.PutUint64(dst[2*i+8:], spread(hi))
	}
	for ; i < len(in); i++ {
		dst[2*i], dst[2*i+1] = in[i], 0
	}
	return out
}

// spread moves the four bytes of v into the low byte of each 16-bit lane.
func spread(v uint64) uint64 {
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	return (v | v<<8) & 0x00FF00FF00FF00FF
}

// textBuf is textTo's scratch space: every byte of input becomes at most
// four bytes of output.
type textBuf struct {
	in  [32 << 10]byte
	out [4 * 32 << 10]byte
}

var textBufs = sync.Pool{New: func() any { return new(textBuf) }}
