package sync

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// Examples from RFC 3501 5.1.3 and names seen on real servers.
var mutf7Cases = []struct{ utf8, wire string }{
	{"INBOX", "INBOX"},
	{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
	{"&", "&-"},
	{"R&D", "R&-D"},
	{"Entwürfe", "Entw&APw-rfe"},
	{"Éléments envoyés", "&AMk-l&AOk-ments envoy&AOk-s"},
	{"Корзина", "&BBoEPgRABDcEOAQ9BDA-"},
	{"📁 Projects", "&2D3cwQ- Projects"},
	{"tab\there", "tab&AAk-here"},
	{"a&ü", "a&-&APw-"},
	{"", ""},
}

func TestMUTF7Examples(t *testing.T) {
	for _, c := range mutf7Cases {
		got, err := EncodeMUTF7(c.utf8)
		if err != nil || got != c.wire {
			t.Errorf("EncodeMUTF7(%q) = %q, %v; want %q", c.utf8, got, err, c.wire)
		}
		back, err := DecodeMUTF7(c.wire)
		if err != nil || back != c.utf8 {
			t.Errorf("DecodeMUTF7(%q) = %q, %v; want %q", c.wire, back, err, c.utf8)
		}
	}
}

func TestMUTF7RejectsNonCanonical(t *testing.T) {
	for _, wire := range []string{
		"&",             // unterminated
		"abc&U,BT",      // unterminated shift
		"&ACY-",         // '&' hidden in a shift (canonical is "&-")
		"&AEE-",         // 'A' hidden in a shift
		"&U,BTFw-&ZeU-", // two adjacent shifts
		"&U,BTF-",       // leftover bits
		"&U/BTFw-",      // '/' is not modified base64
		"&2D0-",         // lone high surrogate
		"&3AE-",         // lone low surrogate
		"ü",             // raw 8-bit byte
		"a\x01b",        // control byte
	} {
		if got, err := DecodeMUTF7(wire); !errors.Is(err, ErrMUTF7) {
			t.Errorf("DecodeMUTF7(%q) = %q, %v; want ErrMUTF7", wire, got, err)
		}
	}
	if _, err := EncodeMUTF7("bad\xffutf8"); err == nil {
		t.Error("EncodeMUTF7 accepted invalid UTF-8")
	}
}

// FuzzMUTF7 proves both round trips: any UTF-8 name survives encode then
// decode, and any wire name the strict decoder accepts re-encodes to
// exactly itself; the encoder's output is always printable ASCII.
func FuzzMUTF7(f *testing.F) {
	for _, c := range mutf7Cases {
		f.Add(c.utf8)
		f.Add(c.wire)
	}
	f.Add("&-&-&")
	f.Add("\U0010FFFF\uFFFD\x7f")
	f.Fuzz(func(t *testing.T, s string) {
		if utf8.ValidString(s) {
			wire, err := EncodeMUTF7(s)
			if err != nil {
				t.Fatalf("EncodeMUTF7(%q): %v", s, err)
			}
			for i := 0; i < len(wire); i++ {
				if wire[i] < 0x20 || wire[i] > 0x7e {
					t.Fatalf("EncodeMUTF7(%q) = %q has byte 0x%02x", s, wire, wire[i])
				}
			}
			back, err := DecodeMUTF7(wire)
			if err != nil || back != s {
				t.Fatalf("round trip of %q via %q gave %q, %v", s, wire, back, err)
			}
		}
		if dec, err := DecodeMUTF7(s); err == nil {
			again, err := EncodeMUTF7(dec)
			if err != nil || again != s {
				t.Fatalf("DecodeMUTF7(%q) = %q re-encodes to %q, %v", s, dec, again, err)
			}
		}
	})
}
