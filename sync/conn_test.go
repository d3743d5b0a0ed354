package sync

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

const canaryPassword = "Canary-Secret-77aa"

func endpointFor(d *testenv.Dovecot, addr string, sec store.Security, user string) Endpoint {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return Endpoint{Server: store.Server{Host: host, Port: n, Security: sec, AllowPlaintext: sec == store.SecurityPlain},
		Username: user, Password: []byte(d.Users[user]), DialTimeout: 5 * time.Second, CommandTimeout: 20 * time.Second}
}

func TestDialTLSWithPinAndClassifiedFailures(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{TLS: true, Users: map[string]string{"alice": canaryPassword}})
	ctx := context.Background()

	// Self-signed: refused without a pin, and the error shows the fingerprint.
	ep := endpointFor(d, d.TLSAddr, store.SecurityTLS, "alice")
	_, err := Dial(ctx, ep)
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Kind != KindTLS || !strings.Contains(err.Error(), d.Cert.SHA256()) {
		t.Fatalf("unpinned self-signed: %v", err)
	}
	// Pinned: accepted, over IMAPS and STARTTLS.
	ep.PinSHA256 = strings.ToUpper(d.Cert.SHA256())
	c, err := Dial(ctx, ep)
	if err != nil {
		t.Fatalf("pinned: %v", err)
	}
	if c.Fingerprint != d.Cert.SHA256() {
		t.Errorf("fingerprint %s", c.Fingerprint)
	}
	c.Close()
	st := endpointFor(d, d.Addr, store.SecuritySTARTTLS, "alice")
	st.PinSHA256 = d.Cert.SHA256()
	if c, err := Dial(ctx, st); err != nil {
		t.Fatalf("starttls pinned: %v", err)
	} else {
		c.Close()
	}
	// A changed certificate fails loudly.
	ep.PinSHA256 = strings.Repeat("ab", 32)
	_, err = Dial(ctx, ep)
	if !errors.As(err, &ce) || ce.Kind != KindPinMismatch || !strings.Contains(err.Error(), "CHANGED") {
		t.Fatalf("changed pin: %v", err)
	}
	// Wrong password: classified, and no password in the message.
	ep.PinSHA256 = d.Cert.SHA256()
	ep.Password = []byte("Wrong-" + canaryPassword)
	_, err = Dial(ctx, ep)
	if !errors.As(err, &ce) || ce.Kind != KindAuth || strings.Contains(err.Error(), canaryPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	// Plaintext without explicit permission never sends the password.
	plain := endpointFor(d, d.Addr, store.SecurityPlain, "alice")
	plain.AllowPlaintext = false
	if _, err := Dial(ctx, plain); !errors.As(err, &ce) || ce.Kind != KindPlaintext {
		t.Fatalf("plaintext: %v", err)
	}
}

func TestDialRefusedAndTimeout(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens now
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	ep := Endpoint{Server: store.Server{Host: host, Port: n, Security: store.SecurityTLS}, Username: "x", Password: []byte("y"), DialTimeout: time.Second}
	var ce *ConnError
	if _, err := Dial(context.Background(), ep); !errors.As(err, &ce) || ce.Kind != KindRefused {
		t.Fatalf("refused: %v", err)
	}
	// A server that accepts and never greets.
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	_, port, _ = net.SplitHostPort(silent.Addr().String())
	ep.Port, _ = strconv.Atoi(port)
	ep.Security, ep.AllowPlaintext = store.SecurityPlain, true
	start := time.Now()
	if _, err := Dial(context.Background(), ep); !errors.As(err, &ce) || ce.Kind != KindTimeout {
		t.Fatalf("silent server: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("timeout took %v", time.Since(start))
	}
}

func TestInventoryCountsFolders(t *testing.T) {
	for _, o := range []testenv.DovecotOptions{{Separator: "/"}, {Separator: ".", Prefix: "INBOX."}} {
		d := testenv.StartDovecot(t, o)
		msgs := testenv.SimpleMessages(30, "inv")
		d.Load(t, testenv.DefaultUser, "Archive/2024", msgs)
		d.Load(t, testenv.DefaultUser, "INBOX", msgs[:5])
		d.Load(t, testenv.DefaultUser, "Sent", msgs[:2])
		var bytes, largest int64
		for _, m := range msgs {
			bytes, largest = bytes+int64(len(m.Raw)), max(largest, int64(len(m.Raw)))
		}
		c, err := Dial(context.Background(), endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser))
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Inventory(context.Background())
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if info.Separator != o.Separator || info.Prefix != o.Prefix || !info.CondStore {
			t.Errorf("sep %q prefix %q condstore %v", info.Separator, info.Prefix, info.CondStore)
		}
		n, b := info.Totals()
		if n != 37 || b <= bytes || info.Folders[0].Name != "INBOX" {
			t.Fatalf("totals %d %d, first %s", n, b, info.Folders[0].Name)
		}
		seen := 0
		for _, f := range info.Folders {
			switch f.Name {
			case d.Mailbox("Archive/2024"):
				seen++
				if f.Messages != 30 || f.UIDNext != 31 || f.UIDValidity == 0 || f.Bytes != bytes || f.Largest != largest || f.HighestModSeq == 0 {
					t.Errorf("archive: %+v, want %d bytes, the largest %d", f, bytes, largest)
				}
			case d.Mailbox("Sent"):
				seen++
				if f.SpecialUse != `\Sent` || f.Messages != 2 {
					t.Errorf("sent: %+v", f)
				}
			}
		}
		if seen != 2 {
			t.Fatalf("Archive/2024 or Sent missing: %+v", info.Folders)
		}
	}
}
