package sync

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// Reach learns a server's certificate and capabilities without a login:
// a self-signed certificate is refused with its fingerprint (to show and
// pin), accepted once pinned, and a plaintext server is flagged; nothing
// on the wire is a LOGIN or AUTHENTICATE.
func TestReachWithoutLoggingIn(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{TLS: true})
	ctx := context.Background()

	ep := endpointFor(d, d.TLSAddr, store.SecurityTLS, "")
	_, err := Reach(ctx, ep)
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Kind != KindTLS || ce.Fingerprint != d.Cert.SHA256() {
		t.Fatalf("self-signed: %v", err)
	}
	ep.PinSHA256 = d.Cert.SHA256()
	r, err := Reach(ctx, ep)
	if err != nil || r.Fingerprint != d.Cert.SHA256() || r.Plaintext || !slices.Contains(r.Capabilities, "IMAP4rev1") {
		t.Fatalf("pinned: %+v %v", r, err)
	}

	plain := endpointFor(d, d.Addr, store.SecurityPlain, "")
	plain.AllowPlaintext = false // Reach sends no password, so it may look
	trace := &traceLog{}
	plain.Trace = trace.add
	r, err = Reach(ctx, plain)
	if err != nil || !r.Plaintext || r.Fingerprint != "" {
		t.Fatalf("plaintext: %+v %v", r, err)
	}
	if log := strings.ToUpper(trace.all()); strings.Contains(log, "LOGIN ") || strings.Contains(log, "AUTHENTICATE") || !strings.Contains(log, "LOGOUT") {
		t.Fatalf("the probe's conversation:\n%s", trace.all())
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if _, err := Reach(ctx, endpointFor(d, closed, store.SecurityTLS, "")); !errors.As(err, &ce) || ce.Kind != KindRefused {
		t.Fatalf("closed port: %v", err)
	}
}
