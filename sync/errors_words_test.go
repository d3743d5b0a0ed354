package sync

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/miekg/dns"

	"mailshift/store"
)

// A name the DNS does not know (answered by a DNS server on loopback) is
// said to be a name not found, with what to check.
func TestDialSaysTheNameWasNotFound(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		asked.Add(1)
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeNameError)
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
	dialer := &net.Dialer{Resolver: resolver}
	ep := Endpoint{Server: store.Server{Host: "mail.old-host.invalid", Port: 993, Security: store.SecurityTLS},
		Username: "alice", Password: []byte(canaryPassword), DialTimeout: 5 * time.Second, Dial: dialer.DialContext}
	_, err = Dial(context.Background(), ep)
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Kind != KindNameNotFound || !strings.Contains(err.Error(), "mail.old-host.invalid") ||
		!strings.Contains(err.Error(), "check the spelling") || strings.Contains(err.Error(), canaryPassword) {
		t.Fatalf("got %v, want the name not found, worded for a person", err)
	}
	if asked.Load() == 0 {
		t.Fatal("the DNS server was never asked: the test proves nothing")
	}
}

// A command the server refuses (NO) or does not understand (BAD) is worded
// with the server's own text.
func TestServerNoAndBadAreWordedWithTheServersText(t *testing.T) {
	ep := scriptedIMAP(t, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready", func(f []string, _ *bufio.Reader, send func(string)) bool {
		switch strings.ToUpper(f[1]) {
		case "SELECT", "EXAMINE":
			send(f[0] + " NO [NONEXISTENT] Mailbox doesn't exist: Rechnungen\r\n")
		case "STATUS":
			send(f[0] + " BAD Error in IMAP command STATUS: Unknown status item\r\n")
		default:
			send(f[0] + " OK done\r\n")
		}
		return true
	})
	c, err := Dial(context.Background(), ep)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Select("Rechnungen", &imap.SelectOptions{ReadOnly: true}).Wait()
	var ce *ConnError
	if err = classify(ep.Addr(), err, ""); !errors.As(err, &ce) || ce.Kind != KindServerNo ||
		!strings.Contains(err.Error(), "refused the request") || !strings.Contains(err.Error(), "Mailbox doesn't exist: Rechnungen") {
		t.Errorf("NO: %v", err)
	}
	_, err = c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err = classify(ep.Addr(), err, ""); !errors.As(err, &ce) || ce.Kind != KindServerBad ||
		!strings.Contains(err.Error(), "did not understand a command") || !strings.Contains(err.Error(), "Unknown status item") {
		t.Errorf("BAD: %v", err)
	}
}
