package sync

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailshift/store"
)

// serveLoopback runs serve on every connection ln accepts (a listener on
// 127.0.0.1) until the test ends, and returns ln's port.
func serveLoopback(t *testing.T, ln net.Listener, serve func(net.Conn)) int {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(port)
	return n
}

// scriptedIMAP serves a scripted IMAP session on a loopback port and
// returns an endpoint for it (plaintext, as user "alice"): greeting
// first, then answer for each command line (its fields, at least a tag
// and a verb), which replies with send and may read more (a SASL
// response) from r; answer returning false ends the session.
func scriptedIMAP(t *testing.T, greeting string, answer func(f []string, r *bufio.Reader, send func(string)) bool) Endpoint {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := serveLoopback(t, ln, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r, w := bufio.NewReader(c), bufio.NewWriter(c)
		send := func(s string) { w.WriteString(s); w.Flush() }
		send(greeting + "\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			if len(f) < 2 || !answer(f, r, send) {
				return
			}
		}
	})
	return Endpoint{Server: store.Server{Host: "127.0.0.1", Port: port, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: "alice", Password: []byte(canaryPassword), DialTimeout: 3 * time.Second, CommandTimeout: 3 * time.Second}
}
