package sync

import (
	"net"
	"strings"
	gosync "sync"

	"github.com/emersion/go-imap/v2"
)

// byeTap watches what the server sends for an untagged BYE: go-imap
// (beta.8) reads a BYE sent mid-session and throws its text away, so the
// suggested wait of a throttling server ("* BYE [UNAVAILABLE] Too many
// requests, retry in 30 seconds") would be lost when the session dies.
//
// Contract: it passes every byte through unchanged and never copies a
// message body. Literals ({N} at the end of a line) are skipped by
// counting, so a BYE line inside a message body is never taken for the
// server's. Bytes outside literals pass a small state machine; only a
// line that starts as "* BYE" is kept, at most byeTextMax bytes of it, so
// memory is fixed whatever the server sends. Read is called by one reader
// at a time (go-imap's reader goroutine, or the pull's bulk FETCH while it
// borrows the session: gateConn); bye may be called from any goroutine.
type byeTap struct {
	net.Conn

	literal int64 // bytes of a literal still to pass unscanned

	// The current line, kept only while it can still be a BYE line (and
	// never the rest of a line after a literal).
	head    [byeTextMax]byte
	headLen int
	keep    bool

	// Recognising "{digits}" or "{digits+}" just before CRLF.
	litDigits int64
	litState  uint8 // 0 none, 1 in digits after '{', 2 after '}', 3 after "}\r"
	litAny    bool

	scanned int64 // bytes looked at one by one (tests prove literals are skipped)

	mu  gosync.Mutex
	got *imap.Error // the last untagged BYE, nil before one
}

const (
	byePrefix  = "* BYE"
	byeTextMax = 512 // longer BYE texts are cut; a suggested wait comes early
)

func newByeTap(c net.Conn) *byeTap { return &byeTap{Conn: c, keep: true} }

// bye returns the last untagged BYE the server sent, or nil.
func (t *byeTap) bye() *imap.Error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.got
}

func (t *byeTap) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.watch(p[:n])
	return n, err
}

// watch advances the state machine over b: literal bytes in bulk, the
// rest byte by byte.
func (t *byeTap) watch(b []byte) {
	for len(b) > 0 {
		if t.literal > 0 {
			skip := min(int64(len(b)), t.literal)
			t.literal -= skip
			b = b[skip:]
			continue
		}
		c := b[0]
		b = b[1:]
		t.scanned++
		t.line(c)
	}
}

// line takes one byte outside a literal.
func (t *byeTap) line(c byte) {
	if t.keep {
		if t.headLen < len(byePrefix) && lowerASCII(c) != lowerASCII(byePrefix[t.headLen]) && c != '\r' && c != '\n' {
			t.keep = false // not a BYE line: stop looking at it
		} else if t.headLen < len(t.head) {
			t.head[t.headLen] = c
			t.headLen++
		}
	}
	switch {
	case c == '{':
		t.litState, t.litDigits, t.litAny = 1, 0, false
	case t.litState == 1 && c >= '0' && c <= '9':
		if t.litDigits < 1<<50 {
			t.litDigits = t.litDigits*10 + int64(c-'0')
		}
		t.litAny = true
	case t.litState == 1 && c == '+':
	case t.litState == 1 && c == '}' && t.litAny:
		t.litState = 2
	case t.litState == 2 && c == '\r':
		t.litState = 3
	case c == '\n':
		if t.litState == 2 || t.litState == 3 {
			// A literal follows; the line goes on after it, so whatever
			// comes then is not the start of a line.
			t.literal, t.keep = t.litDigits, false
		} else {
			if t.keep {
				t.record()
			}
			t.keep = true
		}
		t.headLen, t.litState = 0, 0
	default:
		t.litState = 0
	}
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// record keeps a complete line if it is an untagged BYE.
func (t *byeTap) record() {
	s := strings.TrimRight(string(t.head[:t.headLen]), "\r\n")
	if len(s) < len(byePrefix) || (len(s) > len(byePrefix) && s[len(byePrefix)] != ' ') {
		return
	}
	e := parseByeText(strings.TrimSpace(s[len(byePrefix):]))
	t.mu.Lock()
	t.got = e
	t.mu.Unlock()
}

// parseByeText splits "[CODE args] text" into an imap.Error of type BYE.
func parseByeText(s string) *imap.Error {
	e := &imap.Error{Type: imap.StatusResponseType("BYE"), Text: s}
	if strings.HasPrefix(s, "[") {
		if end := strings.IndexByte(s, ']'); end > 0 {
			code, _, _ := strings.Cut(s[1:end], " ")
			e.Code = imap.ResponseCode(strings.ToUpper(code))
			e.Text = strings.TrimSpace(s[end+1:])
		}
	}
	return e
}
