package sync

import (
	"bufio"
	"errors"
	"io"
	"strconv"

	"github.com/emersion/go-imap/v2"
)

// wireFetch is a Conn's own reading of bulk FETCH replies, on the session
// borrowed from go-imap (gateConn).
type wireFetch struct {
	gate *gateConn
	br   *bufio.Reader // kept across commands: no allocation per range
	tag  int
}

// fetchWire sends "UID FETCH <args>" on the borrowed session and reads its
// replies with fetchReplies. The session goes back to go-imap after the
// tagged answer (OK, NO or BAD); after any other failure it is out of step
// and is closed.
func (c *Conn) fetchWire(args string, body func(*fetchItems, io.Reader, int64) error, end func(*fetchItems) error) error {
	w := &c.wire
	back, err := c.lend()
	if err != nil {
		return err
	}
	w.tag++
	tag := "F" + strconv.Itoa(w.tag)
	if w.br == nil {
		w.br = bufio.NewReaderSize(w.gate.under, 64<<10)
	}
	_, err = io.WriteString(w.gate.under, tag+" UID FETCH "+args+"\r\n")
	if err == nil {
		err = fetchReplies(w.br, tag, body, end)
	}
	var answered *imap.Error
	healthy := err == nil || errors.As(err, &answered)
	back(w.br, healthy)
	if healthy {
		w.br.Reset(w.gate.under)
	}
	return err
}

// lend takes the session from go-imap, for the caller to write commands
// and read their replies on c.wire.gate.under itself (gateConn's contract:
// no go-imap command may be in flight). back gives it back: healthy, after
// the last command's tagged answer, with the bytes br read past it (they
// belong to go-imap's next reply); otherwise the session is out of step
// and c is closed.
func (c *Conn) lend() (back func(br *bufio.Reader, healthy bool), err error) {
	// go-imap sends CAPABILITY on its own, from a goroutine, when a LOGIN
	// or STARTTLS answer did not list them; Caps waits for that reply, so
	// no go-imap command is in flight when the session is borrowed.
	c.Caps()
	if c.ended() {
		return nil, io.ErrUnexpectedEOF
	}
	g := c.wire.gate
	if err := g.borrow(c.ep.CommandTimeout); err != nil {
		c.Close()
		return nil, err
	}
	giveBack := c.tap.lend()
	return func(br *bufio.Reader, healthy bool) {
		if !healthy {
			giveBack(nil)
			c.raw.Close()
			c.Close()
			return
		}
		unread, _ := br.Peek(br.Buffered())
		giveBack(unread) // before go-imap reads again
		g.release(unread)
	}, nil
}
