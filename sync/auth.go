package sync

import (
	"bytes"
	"net"
	"strings"

	"github.com/emersion/go-sasl"
)

func plainAuth(user string, pw []byte) sasl.Client {
	return sasl.NewPlainClient("", user, string(pw))
}

// traced wraps conn so that trace sees every line the client writes
// (commands and any literal it sends), with login arguments redacted.
func traced(conn net.Conn, trace func(string)) net.Conn {
	if trace == nil {
		return conn
	}
	return &tracingConn{Conn: conn, trace: trace}
}

type tracingConn struct {
	net.Conn
	trace      func(string)
	buf        bytes.Buffer
	secretNext bool // the line after AUTHENTICATE carries credentials
}

func (t *tracingConn) Write(p []byte) (int, error) {
	t.buf.Write(p)
	for {
		line, err := t.buf.ReadString('\n')
		if err != nil {
			t.buf.Reset()
			t.buf.WriteString(line)
			break
		}
		line = strings.TrimRight(line, "\r\n")
		if t.secretNext {
			line, t.secretNext = "[redacted]", false
		} else if f := strings.Fields(line); len(f) >= 2 {
			switch strings.ToUpper(f[1]) {
			case "AUTHENTICATE":
				t.secretNext = len(f) == 3
				fallthrough
			case "LOGIN":
				line = f[0] + " " + f[1] + " [redacted]"
			}
		}
		t.trace(line)
	}
	return t.Conn.Write(p)
}
