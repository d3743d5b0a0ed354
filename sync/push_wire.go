package sync

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// wireSession is a second, minimal IMAP session to the destination that
// only uploads. go-imap (beta.8) has no MULTIAPPEND, parses APPENDUID as a
// single UID and waits for the server's continuation before every literal
// over 4 KB; this session writes APPEND itself: many messages in one
// command (RFC 3502) and non-synchronizing literals (RFC 7888) when the
// server offers them. It is not safe for concurrent use; after any error
// it is closed and never reused.
type wireSession struct {
	ep   Endpoint
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	caps map[string]bool
	tag  int
}

// maxResponseLine bounds what the session buffers of one server line (with
// its literals): a hostile server cannot make it grow without end.
const maxResponseLine = 1 << 20

// dialWire connects, secures (TLS, STARTTLS, or plaintext only where the
// endpoint allows it), authenticates (AUTHENTICATE PLAIN, else LOGIN with
// quoted strings) and reads the capabilities. The certificate is checked
// exactly as Dial checks it.
func dialWire(ctx context.Context, ep Endpoint) (*wireSession, error) {
	if ep.DialTimeout == 0 {
		ep.DialTimeout = defaultDialTimeout
	}
	if ep.CommandTimeout == 0 {
		ep.CommandTimeout = defaultCommandTimeout
	}
	if ep.Security == store.SecurityPlain && !ep.AllowPlaintext {
		return nil, &ConnError{Kind: KindPlaintext, Server: ep.Addr()}
	}
	dctx, cancel := context.WithTimeout(ctx, ep.DialTimeout)
	defer cancel()
	raw, err := ep.dialTCP(dctx)
	if err != nil {
		return nil, classify(ep.Addr(), err, "")
	}
	stop := context.AfterFunc(dctx, func() { raw.Close() })
	defer stop()
	var fp fingerprint
	s := &wireSession{ep: ep}
	s.setConn(traced(raw, ep.Trace))
	fail := func(err error) (*wireSession, error) {
		raw.Close()
		if dctx.Err() != nil && ctx.Err() == nil {
			err = context.DeadlineExceeded
		}
		return nil, ep.tlsError(err, fp.get(), dctx)
	}
	switch ep.Security {
	case store.SecurityTLS:
		tconn := tls.Client(raw, ep.tlsConfig(&fp))
		if err := tconn.HandshakeContext(dctx); err != nil {
			return fail(err)
		}
		s.setConn(traced(tconn, ep.Trace))
	case store.SecuritySTARTTLS:
		if _, err := s.greeting(); err != nil {
			return fail(err)
		}
		if _, err := s.simple("STARTTLS"); err != nil {
			return fail(err)
		}
		tconn := tls.Client(raw, ep.tlsConfig(&fp))
		if err := tconn.HandshakeContext(dctx); err != nil {
			return fail(err)
		}
		s.setConn(tconn) // not traced, as Dial does not trace STARTTLS
	}
	if ep.Security != store.SecuritySTARTTLS {
		if _, err := s.greeting(); err != nil {
			return fail(err)
		}
	}
	if err := s.login(); err != nil {
		return fail(err)
	}
	return s, nil
}

func (s *wireSession) setConn(c net.Conn) {
	s.conn, s.br, s.bw = c, bufio.NewReaderSize(c, 16<<10), bufio.NewWriterSize(deadlineWriter{c, s.ep.CommandTimeout}, 64<<10)
}

// Close drops the connection (no LOGOUT: it only ever ends broken or idle).
func (s *wireSession) Close() error { return s.conn.Close() }

func (s *wireSession) greeting() (string, error) {
	line, err := s.readLine()
	if err != nil {
		return "", fmt.Errorf("read the greeting: %w", err)
	}
	if !strings.HasPrefix(line, "* OK") && !strings.HasPrefix(line, "* PREAUTH") {
		return "", parseByeText(strings.TrimPrefix(strings.TrimPrefix(line, "* "), "BYE "))
	}
	return line, nil
}

// login authenticates and then reads the capabilities (they change after
// login: MULTIAPPEND, UIDPLUS, APPENDLIMIT).
func (s *wireSession) login() error {
	if err := s.capability(); err != nil {
		return err
	}
	pw := string(s.ep.Password)
	switch {
	case s.caps["AUTH=PLAIN"]:
		tag := s.nextTag()
		if err := s.writeLine(tag + " AUTHENTICATE PLAIN"); err != nil {
			return err
		}
		line, err := s.readLine()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+") {
			return tagged(tag, line)
		}
		// The tracer redacts the line after AUTHENTICATE.
		if err := s.writeLine(base64.StdEncoding.EncodeToString([]byte("\x00" + s.ep.Username + "\x00" + pw))); err != nil {
			return err
		}
		if _, err := s.await(tag); err != nil {
			return err
		}
	case s.caps["LOGINDISABLED"]:
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "the server offers neither AUTH=PLAIN nor LOGIN here"}
	default:
		user, okU := quoted(s.ep.Username)
		pass, okP := quoted(pw)
		if !okU || !okP {
			return errors.New("the login has characters a quoted LOGIN cannot carry")
		}
		if _, err := s.simple("LOGIN " + user + " " + pass); err != nil {
			return err
		}
	}
	return s.capability()
}

func (s *wireSession) capability() error {
	untagged, err := s.simple("CAPABILITY")
	if err != nil {
		return err
	}
	s.caps = map[string]bool{}
	for _, l := range untagged {
		if f := strings.Fields(l); len(f) > 2 && strings.EqualFold(f[1], "CAPABILITY") {
			for _, c := range f[2:] {
				s.caps[strings.ToUpper(c)] = true
			}
		}
	}
	return nil
}

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
		part, err := s.br.ReadSlice('\n')
		if len(b)+len(part) > maxResponseLine {
			return "", fmt.Errorf("the server sent a response line over %d bytes", maxResponseLine)
		}
		b = append(b, part...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
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
