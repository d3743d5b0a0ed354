package sync

import (
	"net"
	"strconv"
	"testing"
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
