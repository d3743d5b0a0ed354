package main

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"time"
)

// runOverLink (-only imap -link KBPS) runs the first pass IMAP to IMAP with
// both servers behind a link, as across a network: every connection to
// either server passes through a proxy (linkTo, in this process) that
// limits the bytes the server sends (source) or takes in (destination) to
// kbps KB/s per connection and delays every reply by latency ms. There the
// copy is bound by the links, not by this machine's cores, and pull and
// push at once (copy) can gain what the shared cores deny it in the main
// IMAP-to-IMAP run. Rows: pull then push, copy, and mbsync over the same
// links. Nothing here reaches beyond 127.0.0.1.
func runOverLink(n, conns, kbps, latency int, keep, withMbsync bool) error {
	p, err := startIMAPPair("mailshift-bench-link-", n, keep)
	if err != nil {
		return err
	}
	defer p.stop()
	work, src, dst, msgs, size := p.work, p.src, p.dst, p.msgs, p.size
	srcVia, err := linkTo(src.Addr, "downstream", kbps, latency)
	if err != nil {
		return err
	}
	dstVia, err := linkTo(dst.Addr, "upstream", kbps, latency)
	if err != nil {
		return err
	}
	fmt.Printf("\nIMAP -> IMAP over a link: %d messages, %.0f MB; every connection limited to %d KB/s (the source's replies, the destination's uploads) and delayed %d ms\n",
		msgs, float64(size)/1e6, kbps, latency)

	_, pull, push, copied, err := p.firstPass(srcVia, dstVia, conns, nil)
	if err != nil {
		return err
	}
	pull.name = "Mailshift pull"
	push.name = fmt.Sprintf("Mailshift push (%d conns)", conns)
	both := oneAfterTheOther(pull, push, "one after the other")
	rows := []row{pull, push, both, copied}
	vsMbsync := "not run"
	if withMbsync {
		mb, err := mbsyncIMAPVia(srcVia, dstVia, dst, filepath.Join(work, "mbsync"))
		if err != nil {
			return fmt.Errorf("mbsync: %w", err)
		}
		rows = append(rows, mb)
		vsMbsync = fmt.Sprintf("%.2f", copied.msgsPerSec()/mb.msgsPerSec())
	}
	printTable(rows, msgs, size)
	fmt.Printf("over the link: copy / (pull + push): %.2f   copy / mbsync: %s   copy's time against the slower side alone: %.2f\n",
		copied.msgsPerSec()/both.msgsPerSec(), vsMbsync, copied.wall.Seconds()/max(pull.wall, push.wall).Seconds())
	return nil
}

// linkTo starts a proxy to addr on 127.0.0.1 whose connections carry
// what the server sends (downstream) or takes in (upstream, as stream
// says) at kbps KB/s each, every chunk latency ms late; it returns the
// proxy's address and runs until the program ends. A proxy of its own,
// not toxiproxy: the bench's children are this program, and the library
// (with what it brings: prometheus, zerolog) added about 5 MB to every
// child's measured RSS.
func linkTo(addr, stream string, kbps, latency int) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer up.Close()
				delay := time.Duration(latency) * time.Millisecond
				down, upRate := kbps, 0 // the server's replies are limited
				if stream == "upstream" {
					down, upRate = 0, kbps // what the server takes in
				}
				go func() { pace(up, c, upRate, 0); up.Close() }()
				pace(c, up, down, delay)
			}()
		}
	}()
	return ln.Addr().String(), nil
}

// pace copies from src to dst, each chunk delay late (chunks stay in
// order and overlap their delays, as on a long link) and, when kbps > 0,
// at no more than kbps KB/s, with no credit for idle time: a session
// that waited does not then burst faster than the link.
func pace(dst io.Writer, src io.Reader, kbps int, delay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	chunks := make(chan chunk, 64)
	go func() {
		defer close(chunks)
		for {
			b := make([]byte, 16<<10)
			n, err := src.Read(b)
			if n > 0 {
				chunks <- chunk{b[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	var free time.Time // when the link has carried everything sent so far
	for c := range chunks {
		time.Sleep(time.Until(c.at.Add(delay)))
		if kbps > 0 {
			if now := time.Now(); free.Before(now) {
				free = now
			}
			free = free.Add(time.Duration(float64(len(c.b)) / float64(kbps<<10) * float64(time.Second)))
			time.Sleep(time.Until(free))
		}
		if _, err := dst.Write(c.b); err != nil {
			for range chunks { // let the reader end
			}
			return
		}
	}
}
