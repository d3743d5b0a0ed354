package sync

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// startTLS negotiates STARTTLS on raw itself, rather than through
// go-imap's NewStartTLS, so that the session after the upgrade is seen in
// clear by the byeTap (and the trace), as an IMAPS session is.
//
// Contract: it reads the greeting (a BYE greeting is returned as the
// imap.Error go-imap would give; PREAUTH is refused, since it would skip
// TLS), sends STARTTLS and reads up to its tagged reply; anything but OK
// fails, so a password is never sent in clear. Bytes the server sends
// after its OK and before the handshake are refused (a plaintext
// injection). It returns the TLS connection with a greeting of its own
// in front ("* OK"), for imapclient.New to read; capabilities are asked
// again after the upgrade, as RFC 3501 requires. Lines are bounded.
func startTLS(ctx context.Context, raw net.Conn, cfg *tls.Config, trace func(string)) (net.Conn, error) {
	br := bufio.NewReaderSize(raw, 1024)
	greeting, err := readBoundedLine(br)
	if err != nil {
		return nil, fmt.Errorf("read the greeting: %w", err)
	}
	switch word := strings.ToUpper(firstWords(greeting, 2)); word {
	case "* OK":
	case "* BYE":
		_, text, _ := strings.Cut(strings.TrimSpace(greeting[1:]), " ")
		return nil, parseByeText(strings.TrimSpace(text))
	case "* PREAUTH":
		return nil, errors.New("the server sent PREAUTH on an unencrypted connection: refusing it (STARTTLS must come before any login)")
	default:
		return nil, fmt.Errorf("imapwire: unexpected greeting %q", clip(greeting))
	}
	if trace != nil {
		trace("S1 STARTTLS")
	}
	if _, err := io.WriteString(raw, "S1 STARTTLS\r\n"); err != nil {
		return nil, err
	}
	for lines := 0; ; lines++ {
		line, err := readBoundedLine(br)
		if err != nil {
			return nil, fmt.Errorf("read the reply to STARTTLS: %w", err)
		}
		if lines > 100 {
			return nil, errors.New("imapwire: no reply to STARTTLS after 100 lines")
		}
		if !strings.HasPrefix(line, "S1 ") {
			continue // untagged data (a CAPABILITY) before the reply
		}
		typ, text, _ := strings.Cut(line[3:], " ")
		if !strings.EqualFold(typ, "OK") {
			return nil, &imap.Error{Type: imap.StatusResponseType(strings.ToUpper(typ)), Text: "STARTTLS refused: " + text}
		}
		break
	}
	if br.Buffered() > 0 {
		return nil, errors.New("imapwire: the server sent data after accepting STARTTLS, before TLS began (an injection attempt): refusing it")
	}
	tconn := tls.Client(raw, cfg)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return &greetedConn{Conn: tconn, greeting: "* OK [Mailshift] TLS is on\r\n"}, nil
}

// readBoundedLine reads one CRLF line of at most 8 KB, without the CRLF.
func readBoundedLine(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		part, isPrefix, err := br.ReadLine()
		if err != nil {
			return "", err
		}
		if b.Len()+len(part) > 8<<10 {
			return "", errors.New("imapwire: a line longer than 8 KB")
		}
		b.Write(part)
		if !isPrefix {
			return b.String(), nil
		}
	}
}

// firstWords returns the first n space-separated words of s, joined by
// one space.
func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// greetedConn reads greeting before what the connection sends.
type greetedConn struct {
	net.Conn
	greeting string
}

func (g *greetedConn) Read(p []byte) (int, error) {
	if g.greeting != "" {
		n := copy(p, g.greeting)
		g.greeting = g.greeting[n:]
		return n, nil
	}
	return g.Conn.Read(p)
}
