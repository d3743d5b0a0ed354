package testenv

import (
	"bufio"
	"bytes"
	"io"
	"net"
)

// HideCondstore listens on loopback and relays to the server at addr,
// taking CONDSTORE and QRESYNC out of what the server announces, so the
// engine treats it as Exchange Online and IMAP servers without CONDSTORE
// are treated: every delta reads the flags of every message it holds.
// Only the lines up to the first tagged answer (the greeting and LOGIN's,
// which carry the capabilities) are rewritten; the rest is copied as it
// is, so the relay costs little (and message bodies pass untouched).
// close stops it. Tests and the benchmark use it.
func HideCondstore(addr string) (proxyAddr string, close func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", addr)
			if err != nil {
				down.Close()
				continue
			}
			go func() { io.Copy(up, down); up.Close() }()
			go func() {
				defer down.Close()
				r := bufio.NewReader(up)
				for {
					line, err := r.ReadBytes('\n')
					line = bytes.ReplaceAll(line, []byte(" CONDSTORE"), nil)
					line = bytes.ReplaceAll(line, []byte(" QRESYNC"), nil)
					if _, werr := down.Write(line); werr != nil || err != nil {
						return
					}
					if len(line) > 0 && line[0] != '*' && line[0] != '+' {
						break // LOGIN's answer: the capabilities are known
					}
				}
				io.Copy(down, r)
			}()
		}
	}()
	return ln.Addr().String(), func() { ln.Close() }, nil
}
