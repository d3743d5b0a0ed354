package mbox

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

// TestRoundTripExactBytes: every message comes back byte for byte, with
// From-lines at any quoting depth, CRLF and LF line ends, an empty message,
// a very long line and a message without a final line break.
func TestRoundTripExactBytes(t *testing.T) {
	msgs := [][]byte{
		[]byte("From: a@example.com\r\nSubject: hi\r\n\r\nFrom the start\r\n>From quoted\r\n>>From twice\r\nFromage is not a From line\r\n"),
		[]byte("Subject: lf\n\nFrom here\n\n\nFrom \n"),
		[]byte(""),
		[]byte("Subject: long\r\n\r\n" + strings.Repeat("x", 200000) + "\r\nFrom after long\r\n"),
		[]byte("Subject: no final break\r\n\r\nlast line without break"),
		[]byte("From x\r\n\r\nbody that starts with a From header line\r\n"),
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var sizes []int64
	for i, m := range msgs {
		res, err := w.Add(bytes.NewReader(m), "", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if res.Size != int64(len(m)) || res.SHA256 != sha256.Sum256(m) {
			t.Errorf("message %d: size %d sha mismatch", i, res.Size)
		}
		if res.Added != (len(m) > 0 && m[len(m)-1] != '\n') {
			t.Errorf("message %d: Added %v", i, res.Added)
		}
		sizes = append(sizes, res.Size)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "\n>From the start\r\n>>From quoted\r\n>>>From twice\r\nFromage") {
		t.Errorf("From lines not escaped mboxrd-style:\n%.300s", out)
	}
	if !strings.HasPrefix(out, "From MAILER-DAEMON Tue Jan  2 03:04:05 2024\n") {
		t.Errorf("bad From_ line: %.60q", out)
	}
	n := 0
	err := Read(strings.NewReader(out), sizes, func(i int, m Message) error {
		if !bytes.Equal(m.Data, msgs[i]) {
			t.Errorf("message %d differs after re-import:\n%q\nwant\n%q", i, trunc(m.Data), trunc(msgs[i]))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(msgs) {
		t.Errorf("re-import found %d messages, want %d", n, len(msgs))
	}
}

func trunc(b []byte) []byte {
	if len(b) > 120 {
		return b[:120]
	}
	return b
}

// FuzzRoundTrip: any message bytes survive a write and a read.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("From a\nFrom b\n>From c"))
	f.Add([]byte("\n\n\r\nFrom "))
	f.Fuzz(func(t *testing.T, m []byte) {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		r1, err := w.Add(bytes.NewReader(m), "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		w.Add(bytes.NewReader([]byte("second\n")), "", time.Time{})
		w.Flush()
		var got [][]byte
		if err := Read(&buf, []int64{r1.Size, 7}, func(_ int, msg Message) error {
			got = append(got, msg.Data)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !bytes.Equal(got[0], m) || string(got[1]) != "second\n" {
			t.Fatalf("round trip of %q gave %q", m, got)
		}
	})
}
