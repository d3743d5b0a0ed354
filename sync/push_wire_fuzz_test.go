package sync

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// FuzzWireResponses feeds a hostile server's bytes to the upload session's
// reader and parsers: no panic, and nothing is buffered past the bound.
func FuzzWireResponses(f *testing.F) {
	for _, seed := range []string{
		"W1 OK [APPENDUID 38505 3955:3957] APPEND completed\r\n",
		"* OK [CAPABILITY IMAP4rev1 LITERAL+ MULTIAPPEND] ready\r\nW1 NO [OVERQUOTA] full\r\n",
		"* 1 FETCH (BODY[] {5}\r\nhello)\r\nW1 OK [APPENDUID 1 4294967295:1] x\r\n",
		"W1 OK [APPENDUID 1 1:2,3,5:4]\r\n+ go ahead\r\n* BYE bye\r\n",
		"* STATUS \"a\" (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 1)\r\n{99999999999}\r\n",
		"W1 BAD [\r\nW1 OK [APPENDUID]\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &wireSession{ep: Endpoint{CommandTimeout: time.Second}}
		s.setConn(&scriptConn{r: bytes.NewReader(data)})
		for i := 0; i < 1000; i++ {
			line, err := s.readLine()
			if err != nil {
				break
			}
			if len(line) > maxResponseLine {
				t.Fatalf("a %d-byte line was buffered", len(line))
			}
			r := parseTagged("W1", line)
			if _, uids, ok := appendUIDs(r.Args, 100); ok && len(uids) != 100 {
				t.Fatalf("appendUIDs said ok with %d UIDs", len(uids))
			}
			r.err()
			literalSize(line)
		}
	})
}

// scriptConn is a server that says data and swallows what it is sent.
type scriptConn struct {
	net.Conn
	r io.Reader
}

func (c *scriptConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *scriptConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }
