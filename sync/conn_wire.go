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
	// go-imap sends CAPABILITY on its own, from a goroutine, when a LOGIN
	// or STARTTLS answer did not list them; Caps waits for that reply, so
	// no go-imap command is in flight when the session is borrowed.
	c.Caps()
	if c.ended() {
		return io.ErrUnexpectedEOF
	}
	if err := w.gate.borrow(c.ep.CommandTimeout); err != nil {
		c.Close()
		return err
	}
	giveBack := c.tap.lend()
	w.tag++
	tag := "F" + strconv.Itoa(w.tag)
	if w.br == nil {
		w.br = bufio.NewReaderSize(w.gate.under, 64<<10)
	}
	_, err := io.WriteString(w.gate.under, tag+" UID FETCH "+args+"\r\n")
	if err == nil {
		err = fetchReplies(w.br, tag, body, end)
	}
	var answered *imap.Error
	if err == nil || errors.As(err, &answered) {
		unread, _ := w.br.Peek(w.br.Buffered())
		giveBack(unread) // before go-imap reads again
		w.gate.release(unread)
		w.br.Reset(w.gate.under)
		return err
	}
	giveBack(nil)
	c.raw.Close()
	c.Close()
	return err
}
