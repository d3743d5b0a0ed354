package sync

import (
	"fmt"
	"math"
)

// What go-imap may be sent. go-imap (beta.8) reads every string of a
// reply into memory, whatever size the server announces (a literal), and
// a quoted string, an atom or a status text up to its end however far
// that is; only a FETCH body section streams to the caller. The byeTap
// bounds both before go-imap sees the bytes.
const (
	// maxReplyLiteral bounds a literal in a reply by default. go-imap
	// holds such strings whole: folder names (a few hundred bytes at
	// most on any server), ENVELOPE fields (one header's value: Postfix
	// keeps at most 100 KB of a message's header, header_size_limit),
	// STATUS and LIST names, ID values. 1 MB is ten times the largest of
	// them, and small enough that a reply cannot hurt by its strings'
	// size. Commands that fetch whole messages through go-imap raise it
	// (Conn.wholeMessages); the pull's own FETCH is not go-imap's (lend).
	maxReplyLiteral = 1 << 20
	// maxReplyLine bounds a response outside its literals: go-imap holds
	// a quoted string, an atom or a status text whole, and a server sends
	// anything long as a literal. A response line of a sound server is
	// kilobytes: 8 MB is far more than one needs and little to hold.
	maxReplyLine = 8 << 20
	// maxSearchLine is maxReplyLine for SEARCH, ESEARCH and SORT: an
	// untagged SEARCH names every UID of a folder (go-imap's UID SEARCH
	// asks no ESEARCH), about eight bytes a message, so 64 MB is eight
	// million messages in one folder. go-imap parses it number by number.
	maxSearchLine = 64 << 20
	// defaultMaxMessageBytes is the message size limit when none is set
	// (PullOptions.MaxMessageBytes, Endpoint.MaxMessageBytes).
	defaultMaxMessageBytes = 2 << 30
)

// tapBound is the largest literal the byeTap lets through, and what a
// literal of that size holds (for the refusal's wording).
type tapBound struct {
	literal int64
	what    string
}

var (
	replyBound = &tapBound{literal: maxReplyLiteral, what: "a folder name, a header field or a status item"}
	// While the pull borrows the session, it reads the replies itself
	// and bounds them (MaxMessageBytes for a body, every other literal
	// skipped by counting, a line at most maxResponseLine).
	borrowedBound = &tapBound{literal: math.MaxInt64}
)

// replyTooLarge is the byeTap's refusal of a reply go-imap would hold.
type replyTooLarge struct {
	literal int64 // the literal's announced size; 0 for a line too long
	bound   int64
	what    string
}

func (e *replyTooLarge) Error() string {
	if e.literal == 0 {
		return fmt.Sprintf("the server sent a response line of more than %d bytes: refusing it and closing the connection (a broken or hostile server)", e.bound)
	}
	size := fmt.Sprintf("a %d-byte literal", e.literal)
	if e.literal >= litCap {
		size = fmt.Sprintf("a literal of at least %d bytes", int64(litCap))
	}
	return fmt.Sprintf("the server sent %s in a reply where at most %d bytes are expected (%s): refusing it and closing the connection (a broken or hostile server)", size, e.bound, e.what)
}

// over reports the literal being passed when it is over the bound now in
// force.
func (t *byeTap) over() *replyTooLarge {
	b := t.bound.Load()
	if t.litSize <= b.literal {
		return nil
	}
	return &replyTooLarge{literal: t.litSize, bound: b.literal, what: b.what}
}

// refuse stops the reading for good: the connection is closed, so the
// server's stream stops at once, and every later Read returns r.
func (t *byeTap) refuse(r *replyTooLarge) {
	t.mu.Lock()
	first := t.refused == nil
	if first {
		t.refused = r
	}
	t.mu.Unlock()
	if first {
		t.Conn.Close()
	}
}

// refusal is why the tap stopped reading, or nil.
func (t *byeTap) refusal() *replyTooLarge {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refused
}

// bounded puts b in force until restore is called (restore puts back the
// bound it replaced).
func (t *byeTap) bounded(b *tapBound) (restore func()) {
	old := t.bound.Swap(b)
	return func() { t.bound.Store(old) }
}

// lend lifts the bound while the pull borrows the session (gateConn),
// whose reader bounds its own reads. giveBack, called before go-imap reads
// again with the bytes the borrower read past its command's tagged reply,
// puts the bound back and starts the tap over at a response's start
// followed by those bytes: that is where go-imap stands, whatever the
// borrower made of the bytes before, so the tap cannot be out of step
// with go-imap's parser (and blind to an announcement) after a borrow.
func (t *byeTap) lend() (giveBack func(unread []byte)) {
	restore := t.bounded(borrowedBound)
	return func(unread []byte) {
		restore()
		t.literal, t.litSize, t.resp = 0, 0, respState{}
		t.keep, t.headLen = true, 0
		if _, r := t.watch(unread); r != nil {
			t.refuse(r)
		}
	}
}
