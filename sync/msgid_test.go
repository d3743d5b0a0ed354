package sync

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// The Message-ID read from the streamed header matches what go-imap makes
// of an ENVELOPE, whatever the line endings, folding or chunking.
func TestHeaderTapFindsMessageID(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"From: a\r\nMessage-ID: <abc@x.test>\r\n\r\nbody Message-ID: <no@x>\r\n", "abc@x.test"},
		{"Subject: s\nMessage-Id:\n <folded@x.test>\n\nbody", "folded@x.test"},
		{"Subject: none\r\n\r\nMessage-ID: <in-body@x>\r\n", ""},
		{"Message-ID: <only-header@x>", "only-header@x"},
		{"Message-ID: broken <<<\r\n\r\n", ""},
		{strings.Repeat("X-Long: "+strings.Repeat("y", 100)+"\r\n", 2000) + "Message-ID: <late@x>\r\n\r\n", ""},
	} {
		var tap headerTap
		io.Copy(&tap, iotest.OneByteReader(strings.NewReader(tc.raw)))
		if got := tap.MessageID(); got != tc.want {
			t.Errorf("%.40q: got %q, want %q", tc.raw, got, tc.want)
		}
		if len(tap.buf) > maxHeaderScan {
			t.Errorf("kept %d bytes", len(tap.buf))
		}
	}
}

// messageIDByFullParse is how the Message-ID was read before: the whole
// header parsed by go-message. It is the reference for the field scan.
func messageIDByFullParse(header []byte) (id string, parsed bool) {
	hdr, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(append(append([]byte(nil), header...), "\r\n"...))))
	if err != nil {
		return "", false
	}
	id, err = (&mail.Header{Header: message.Header{Header: hdr}}).MessageID()
	if err != nil {
		return "", true
	}
	return id, true
}

// Wherever go-message can parse the whole header, scanning for the one
// field gives the same Message-ID: first field wins, any case, folding,
// spaces before the colon, LF or CRLF, the header's end respected.
func FuzzMessageIDFieldMatchesFullParse(f *testing.F) {
	for _, s := range []string{
		"From: a\r\nMessage-ID: <abc@x.test>\r\n\r\nbody Message-ID: <no@x>\r\n",
		"Subject: s\nMessage-Id:\n <folded@x.test>\n\nbody",
		"Subject: none\r\n\r\nMessage-ID: <in-body@x>\r\n",
		"Message-ID: <only-header@x>",
		"Message-ID: broken <<<\r\n\r\n",
		"MESSAGE-ID : <upper@x>\r\nMessage-ID: <second@x>\r\n\r\n",
		"X-Message-ID: <not-it@x>\r\nMessage-IDs: <nor-this@x>\r\nmessage-id:\t<tab@x>\r\n\r\n",
		"Subject: a\r\n folded subject\r\nMessage-ID: <a@b>\r\n (comment)\r\n\r\n",
		"Message-ID:\r\n\r\n",
		"Message-ID: <a@b> trailing\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var tap headerTap
		tap.Write(raw)
		want, parsed := messageIDByFullParse(tap.buf)
		got := tap.MessageID()
		if parsed && got != want {
			t.Fatalf("%q: field scan %q, full parse %q", tap.buf, got, want)
		}
	})
}

// The scan allocates nothing and costs a small part of what parsing every
// field did (go test -bench MessageID ./sync).
func BenchmarkMessageID(b *testing.B) {
	header := []byte("Return-Path: <a@x.test>\r\nReceived: from mx.x.test by mail.y.test; Mon, 2 Jan 2023 08:00:00 +0000\r\n" +
		"From: \"Ann\" <a@x.test>\r\nTo: b@y.test\r\nSubject: Quarterly figures\r\nDate: Mon, 2 Jan 2023 08:00:00 +0000\r\n" +
		"Message-ID: <20230102080000.1234@x.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.Run("field", func(b *testing.B) {
		for b.Loop() {
			var tap headerTap
			tap.buf = header
			if tap.MessageID() == "" {
				b.Fatal("no id")
			}
		}
	})
	b.Run("full-parse", func(b *testing.B) {
		for b.Loop() {
			if id, _ := messageIDByFullParse(header); id == "" {
				b.Fatal("no id")
			}
		}
	})
}
