package sync

// The upload session's commands and replies: one line out, replies read
// up to their tagged answer, every line bounded (maxResponseLine) and
// every read and write under the command timeout.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

func (s *wireSession) nextTag() string { s.tag++; return "W" + strconv.Itoa(s.tag) }

// simple sends one command without literals and waits for its answer; it
// returns the untagged lines that came before it.
func (s *wireSession) simple(cmd string) ([]string, error) {
	tag := s.nextTag()
	if err := s.writeLine(tag + " " + cmd); err != nil {
		return nil, err
	}
	return s.await(tag)
}

func (s *wireSession) writeLine(l string) error {
	if _, err := s.bw.WriteString(l + "\r\n"); err != nil {
		return err
	}
	return s.bw.Flush()
}

// await reads until tag's answer: nil for OK, an *imap.Error for NO/BAD.
func (s *wireSession) await(tag string) ([]string, error) {
	var untagged []string
	for {
		line, err := s.readLine()
		if err != nil {
			return untagged, err
		}
		if strings.HasPrefix(line, tag+" ") {
			return untagged, tagged(tag, line)
		}
		if strings.HasPrefix(line, "* BYE") {
			return untagged, parseByeText(strings.TrimPrefix(line, "* BYE "))
		}
		untagged = append(untagged, line)
	}
}

// readLine reads one response line, with any literals it carries inline,
// under the command timeout. A line is read in buffer-sized pieces and
// refused as soon as it passes maxResponseLine, so a server that never
// ends its line cannot make the session hold more.
func (s *wireSession) readLine() (string, error) {
	var b []byte
	piece := 0 // where the text after the last literal starts
	for {
		s.conn.SetReadDeadline(time.Now().Add(s.ep.CommandTimeout))
		var err error
		if b, err = appendLine(b, s.br, maxResponseLine); errors.Is(err, errLineTooLong) {
			return "", fmt.Errorf("the server sent a response line over %d bytes", maxResponseLine)
		} else if err != nil {
			return "", err
		}
		b = append(b[:piece], bytes.TrimRight(b[piece:], "\r\n")...)
		n, ok := literalSize(string(b[max(piece, len(b)-24):]))
		if !ok {
			return string(b), nil
		}
		if int64(len(b))+n > maxResponseLine {
			return "", fmt.Errorf("the server announced a %d-byte literal in a response", n)
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(s.br, lit); err != nil {
			return "", err
		}
		b = append(b, lit...)
		piece = len(b)
	}
}

// errLineTooLong is appendLine's refusal of a line past its limit.
var errLineTooLong = errors.New("line too long")

// appendLine appends one line read from br, with its line end, to dst.
// It reads in buffer-sized pieces and refuses the line (errLineTooLong)
// as soon as dst would pass limit bytes, so a server that never ends its
// line cannot make the reader hold more. At the end of the stream it
// returns what it has with the reader's error.
func appendLine(dst []byte, br *bufio.Reader, limit int) ([]byte, error) {
	for {
		part, err := br.ReadSlice('\n')
		if len(dst)+len(part) > limit {
			return dst, errLineTooLong
		}
		dst = append(dst, part...)
		if err != bufio.ErrBufferFull {
			return dst, err
		}
	}
}

// literalSize recognises a line ending in {N} (a literal follows).
func literalSize(l string) (int64, bool) {
	if !strings.HasSuffix(l, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(l, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(l[i+1:len(l)-1], "+"), 10, 64)
	return n, err == nil && n >= 0
}

// deadlineWriter gives every write the command timeout: a server that
// stops reading fails the upload instead of hanging it.
type deadlineWriter struct {
	c net.Conn
	d time.Duration
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	w.c.SetWriteDeadline(time.Now().Add(w.d))
	return w.c.Write(p)
}

// status asks a folder's UIDVALIDITY, UIDNEXT and message count. The
// session selects nothing, so the answer is the folder as it is now (a
// connection that has the folder selected may answer from its own view).
func (s *wireSession) status(name string) (*imap.StatusData, error) {
	mbox, ok := wireMailbox(name)
	if !ok {
		return nil, fmt.Errorf("folder name %q cannot be sent", name)
	}
	untagged, err := s.simple("STATUS " + mbox + " (UIDVALIDITY UIDNEXT MESSAGES)")
	if err != nil {
		return nil, err
	}
	for _, l := range untagged {
		if !strings.HasPrefix(strings.ToUpper(l), "* STATUS ") {
			continue
		}
		open := strings.LastIndexByte(l, '(')
		f := strings.Fields(strings.Trim(l[open+1:], ")"))
		st := &imap.StatusData{Mailbox: name}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseUint(f[i+1], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("read STATUS of %q: %q", name, l)
			}
			switch strings.ToUpper(f[i]) {
			case "UIDVALIDITY":
				st.UIDValidity = uint32(v)
			case "UIDNEXT":
				st.UIDNext = imap.UID(v)
			case "MESSAGES":
				n := uint32(v)
				st.NumMessages = &n
			}
		}
		if open >= 0 && st.UIDValidity != 0 && st.NumMessages != nil {
			return st, nil
		}
	}
	return nil, fmt.Errorf("the server sent no STATUS for %q", name)
}
