package pst

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf16"

	"github.com/emersion/go-message/mail"
)

// TestTextToMatchesReference converts texts that mix ASCII runs of every
// length with multi-byte runes (split across reads by a one-byte reader
// too) and compares with utf16.Encode of the runes.
func TestTextToMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	pieces := []string{"a", "hello world ", "Müller ", "会議", "😀", "\r\n", strings.Repeat("x", 37)}
	for round := 0; round < 200; round++ {
		var sb strings.Builder
		for sb.Len() < rng.Intn(100000) {
			sb.WriteString(pieces[rng.Intn(len(pieces))])
		}
		text := sb.String()
		var want bytes.Buffer
		for _, u := range utf16.Encode([]rune(text)) {
			want.WriteByte(byte(u))
			want.WriteByte(byte(u >> 8))
		}
		for _, r := range []io.Reader{strings.NewReader(text), iotest.OneByteReader(strings.NewReader(text))} {
			var got bytes.Buffer
			if _, err := textTo(&got, r, true); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("round %d: UTF-16 of %d bytes differs", round, len(text))
			}
			if round > 20 {
				break
			}
		}
		var got8 bytes.Buffer
		if _, err := textTo(&got8, strings.NewReader(text), false); err != nil || got8.String() != text {
			t.Fatalf("round %d: UTF-8 copy differs (%v)", round, err)
		}
	}
}

// TestB64ReaderMatchesStdlib decodes wrapped base64 of random sizes,
// through small and large reads, and checks the bytes; corrupt inputs
// (data after padding, a dangling character, a bad character inside a
// quantum) must fail.
func TestB64ReaderMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, size := range []int{0, 1, 2, 3, 57, 1000, 8176, 100003, 1 << 20} {
		data := make([]byte, size)
		rng.Read(data)
		enc := base64.StdEncoding.EncodeToString(data)
		var wrapped strings.Builder
		for len(enc) > 76 {
			wrapped.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		wrapped.WriteString(enc + "\r\n")
		for _, bufSize := range []int{1, 5, 4096, 32 << 10} {
			got, err := io.ReadAll(io.LimitReader(readerWithBuf{newB64Reader(strings.NewReader(wrapped.String())), bufSize}, 1<<30))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("size %d, reads of %d: got %d bytes, err %v", size, bufSize, len(got), err)
			}
		}
	}
	for _, in := range []string{"aGVsbG8", "aGVs bG8=", "aG\tVs\r\n bG8=\r\n\r\n", "aGVs\rbG8=\n"} {
		for _, bufSize := range []int{1, 3, 32 << 10} {
			got, err := io.ReadAll(readerWithBuf{newB64Reader(iotest.HalfReader(strings.NewReader(in))), bufSize})
			if err != nil || string(got) != "hello" {
				t.Fatalf("%q in reads of %d: %q %v", in, bufSize, got, err)
			}
		}
	}
	for _, bad := range []string{"aGVsbG8=gd29ybGQ===***", "aGVsbG8=\r\naGVsbG8=", "aGVsbG8=a", "aGV=bG8="} {
		if _, err := io.ReadAll(newB64Reader(strings.NewReader(bad))); err == nil {
			t.Errorf("%q decoded without error", bad)
		}
	}
}

// readerWithBuf reads from r in reads of at most n bytes.
type readerWithBuf struct {
	r io.Reader
	n int
}

func (r readerWithBuf) Read(p []byte) (int, error) { return r.r.Read(p[:min(len(p), r.n)]) }

// TestB64FastMatchesStdlib decodes random base64 with b64Fast, with a byte
// outside the alphabet (or '=') put at a random place or none: it must
// decode exactly the whole quanta before that byte, as encoding/base64
// does, and never past the end of src or dst.
func TestB64FastMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for round := 0; round < 3000; round++ {
		data := make([]byte, rng.Intn(300))
		rng.Read(data)
		src := []byte(base64.RawStdEncoding.EncodeToString(data))
		bad := -1
		if len(src) > 0 && round%3 != 0 {
			bad = rng.Intn(len(src))
			src[bad] = "=\r\n *-_\x00\xff"[rng.Intn(9)]
		}
		dst := make([]byte, rng.Intn(len(data)+9))
		read, written := b64Fast(dst, src)
		wantQuanta := len(src) / 4
		if bad >= 0 {
			wantQuanta = min(wantQuanta, bad/4)
		}
		wantQuanta = min(wantQuanta, len(dst)/3)
		if read != 4*wantQuanta || written != 3*wantQuanta {
			t.Fatalf("round %d: read %d written %d, want %d quanta (src %d, dst %d, bad at %d)", round, read, written, wantQuanta, len(src), len(dst), bad)
		}
		if !bytes.Equal(dst[:written], data[:written]) {
			t.Fatalf("round %d: decoded bytes differ", round)
		}
	}
}

// TestParseDateMatchesNetMail: the RFC 1123 fast path gives the same time
// as net/mail for dates in that layout, and other dates (comments, named
// zones, no day of week, two-digit years, garbage) still go to net/mail.
func TestParseDateMatchesNetMail(t *testing.T) {
	for _, d := range []string{"Mon, 02 Jan 2006 15:04:05 -0700", " Fri, 01 Mar 2024 09:00:00 +0000\r\n", "Tue, 9 Apr 2024 23:59:59 +1345",
		"Fri, 01 Mar 2024 09:00:00 +0000 (UTC)", "Fri, 01 Mar 2024 09:00:00 GMT", "1 Mar 2024 09:00 +0100", "Fri, 01 Mar 24 09:00:00 +0000", "yesterday"} {
		h := mail.Header{}
		h.Set("Date", d)
		got, gerr := parseDate(h, d)
		want, werr := h.Date()
		if (gerr == nil) != (werr == nil) || !got.Equal(want) || got.Format(time.RFC3339) != want.Format(time.RFC3339) {
			t.Errorf("%q: %v %v, net/mail %v %v", d, got, gerr, want, werr)
		}
	}
}
