package sync

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"

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
