package main

import (
	"fmt"
	"path/filepath"
	"strings"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"mailshift/internal/testenv"
)

// runOverLink (-only imap -link KBPS) runs the first pass IMAP to IMAP with
// both servers behind a link, as across a network: every connection to
// either server passes through a proxy (toxiproxy, in this process) that
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
	zerolog.SetGlobalLevel(zerolog.Disabled) // the toxics log through the global logger
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

	data := filepath.Join(work, "mailshift")
	pull, err := runChild(data, srcVia, conns)
	if err != nil {
		return err
	}
	pull.name = "Mailshift pull"
	if err := benchProject(data); err != nil {
		return err
	}
	push, err := runPushChild(data, dstVia, testenv.DefaultUser, conns, false)
	if err != nil {
		return err
	}
	push.name = fmt.Sprintf("Mailshift push (%d conns)", conns)
	both := row{name: "Mailshift pull + push", messages: push.messages, bytes: push.bytes, wall: pull.wall + push.wall,
		rssKB: max(pull.rssKB, push.rssKB), cpu: pull.cpu + push.cpu, allCPU: pull.allCPU + push.allCPU, steal: pull.steal + push.steal, note: "one after the other"}
	copyData := filepath.Join(work, "mailshift-copy")
	if err := benchProject(copyData); err != nil {
		return err
	}
	copied, err := runCopyChild(copyData, srcVia, dstVia, "copy", conns)
	if err != nil {
		return err
	}
	if err := destFidelity(src, dst, copyData, "copy", msgs); err != nil {
		return err
	}
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
// stream ("downstream": what the server sends; "upstream": what it takes
// in) at kbps KB/s each and answer latency ms late; it returns the
// proxy's address. It runs until the program ends.
func linkTo(addr, stream string, kbps, latency int) (string, error) {
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "link", "127.0.0.1:0", addr)
	if err := p.Start(); err != nil {
		return "", err
	}
	for _, toxic := range []string{
		fmt.Sprintf(`{"type":"bandwidth","stream":%q,"attributes":{"rate":%d}}`, stream, kbps),
		fmt.Sprintf(`{"type":"latency","stream":"downstream","attributes":{"latency":%d}}`, latency),
	} {
		if _, err := p.Toxics.AddToxicJson(strings.NewReader(toxic)); err != nil {
			return "", fmt.Errorf("link toxic %s: %w", toxic, err)
		}
	}
	return p.Listen, nil
}
