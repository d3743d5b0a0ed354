package sync

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
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
