package sync

import (
	"net"
	"strings"
	gosync "sync"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"
)

// byeTap watches what the server sends, for two reasons.
//
// An untagged BYE: go-imap (beta.8) reads a BYE sent mid-session and
// throws its text away, so the suggested wait of a throttling server
// ("* BYE [UNAVAILABLE] Too many requests, retry in 30 seconds") would be
// lost when the session dies.
//
// A reply too large to hold: go-imap reads every string of a reply (a
// folder name, an ENVELOPE field, a STATUS name) into memory whatever size
// the server announces, so a server announcing a 1 GB literal would have
// it held. The tap refuses a literal over the bound in force (tapBound)
// and a response line longer than maxReplyLine (maxSearchLine) before
// go-imap sees a byte of it: the Read fails with a *replyTooLarge, the connection is closed,
// and every later Read fails the same way (refusal says why).
//
// Contract: it passes every byte through unchanged (up to a refusal) and
// never copies a message body. Literals are skipped by counting, so a BYE
// line inside a message body is never taken for the server's. Bytes
// outside literals pass a small state machine that finds literals exactly
// where go-imap's parser reads them (respState); only a line that starts as
// "* BYE" is kept, at most byeTextMax bytes of it, so memory is fixed
// whatever the server sends. Read is called by one reader at a time
// (go-imap's reader goroutine, or the pull's bulk FETCH while it borrows
// the session: gateConn); bye, refusal and bounded may be called from any
// goroutine.
type byeTap struct {
	net.Conn

	bound atomic.Pointer[tapBound] // what go-imap may be sent now

	literal int64 // bytes of a literal still to pass unscanned
	litSize int64 // the size that literal was announced with

	// The current line, kept only while it can still be a BYE line (and
	// never the rest of a line after a literal).
	head    [byeTextMax]byte
	headLen int
	keep    bool

	resp respState // where the tap stands in a response

	scanned int64 // bytes looked at one by one (tests prove literals are skipped)

	mu      gosync.Mutex
	got     *imap.Error    // the last untagged BYE, nil before one
	refused *replyTooLarge // why reading stopped, nil while it goes on
}

const (
	byePrefix  = "* BYE"
	byeTextMax = 512 // longer BYE texts are cut; a suggested wait comes early
)

// newByeTap taps c with go-imap's default bound (replyBound).
func newByeTap(c net.Conn) *byeTap {
	t := &byeTap{Conn: c, keep: true}
	t.bound.Store(replyBound)
	return t
}

// bye returns the last untagged BYE the server sent, or nil.
func (t *byeTap) bye() *imap.Error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.got
}

func (t *byeTap) Read(p []byte) (int, error) {
	if r := t.refusal(); r != nil {
		return 0, r
	}
	n, err := t.Conn.Read(p)
	if passed, refused := t.watch(p[:n]); refused != nil {
		t.refuse(refused)
		return passed, refused
	}
	return n, err
}

// watch advances the state machine over b: literal bytes in bulk, the
// rest byte by byte. It stops at a literal or a line over the bound, and
// returns how many bytes of b came before it.
func (t *byeTap) watch(b []byte) (int, *replyTooLarge) {
	total := len(b)
	for len(b) > 0 {
		if t.literal > 0 {
			// Checked on every read, not only where the literal was
			// announced: a bound lowered meanwhile (a borrowed read that
			// ended) applies to the rest of it.
			if r := t.over(); r != nil {
				return total - len(b), r
			}
			skip := min(int64(len(b)), t.literal)
			t.literal -= skip
			b = b[skip:]
			continue
		}
		c := b[0]
		b = b[1:]
		t.scanned++
		if r := t.line(c); r != nil {
			return total - len(b) - 1, r
		}
	}
	if t.literal > 0 { // announced at the very end of b
		if r := t.over(); r != nil {
			return total, r
		}
	}
	return total, nil
}

// line takes one byte outside a literal.
func (t *byeTap) line(c byte) *replyTooLarge {
	if t.keep {
		if t.headLen < len(byePrefix) && lowerASCII(c) != lowerASCII(byePrefix[t.headLen]) && c != '\r' && c != '\n' {
			t.keep = false // not a BYE line: stop looking at it
		} else if t.headLen < len(t.head) {
			t.head[t.headLen] = c
			t.headLen++
		}
	}
	switch t.resp.step(c) {
	case stepLiteral:
		// A literal follows; the line goes on after it, so whatever
		// comes then is not the start of a line.
		t.literal, t.litSize, t.keep = t.resp.litSize, t.resp.litSize, false
		t.headLen = 0
	case stepEnd:
		if t.keep {
			t.record()
		}
		t.keep, t.headLen = true, 0
	}
	if bound := int64(maxReplyLine); t.resp.lineLen > bound {
		if t.resp.numbers {
			bound = maxSearchLine
		}
		if t.resp.lineLen > bound {
			return &replyTooLarge{bound: bound}
		}
	}
	return nil
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
