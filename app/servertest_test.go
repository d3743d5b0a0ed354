package app

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// Setup's Test button against a real Dovecot with a self-signed
// certificate: untrusted with the fingerprint to pin; pinned, it connects,
// and with a mailbox its login and folders are tested; a different pin is
// reported as a changed certificate; the pin's change is in the audit log.
func TestTestServerAndPin(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{TLS: true})
	a := newTestApp(t)
	ctx := context.Background()
	host, port, _ := net.SplitHostPort(d.TLSAddr)
	pn, _ := strconv.Atoi(port)
	p, err := a.CreateProject(ctx, NewProject{Name: "Pinned", Domain: "pinned.test", Profile: "generic",
		Source: store.Server{Host: host, Port: pn, Security: store.SecurityTLS}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.TestServer(ctx, p.ID, false)
	if err == nil || !res.Untrusted || res.Fingerprint != d.Cert.SHA256() || !strings.Contains(err.Error(), d.Cert.SHA256()) {
		t.Fatalf("self-signed: %+v %v", res, err)
	}
	if _, err := a.PinServer(ctx, p.ID, "Tess", false, res.Fingerprint); err != nil {
		t.Fatal(err)
	}
	res, err = a.TestServer(ctx, p.ID, false)
	if err != nil || res.Untrusted || res.LoginTested || res.Fingerprint != d.Cert.SHA256() || len(res.Reach.Capabilities) == 0 {
		t.Fatalf("pinned, no mailbox: %+v %v", res, err)
	}
	if err := a.AddMailbox(ctx, p.ID, "Tess", store.NewMailbox{Mailbox: store.Mailbox{Email: "alice@pinned.test", SourceLogin: testenv.DefaultUser},
		SourcePassword: []byte(testenv.DefaultPassword)}); err != nil {
		t.Fatal(err)
	}
	res, err = a.TestServer(ctx, p.ID, false)
	if err != nil || !res.LoginTested || res.LoginErr != nil || len(res.Login.Folders) == 0 {
		t.Fatalf("with a mailbox: %+v %v", res, err)
	}
	if _, err := a.PinServer(ctx, p.ID, "Tess", false, strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}
	if res, err = a.TestServer(ctx, p.ID, false); err == nil || !res.PinChanged || !strings.Contains(err.Error(), "CHANGED") {
		t.Fatalf("changed pin: %+v %v", res, err)
	}
	recs, _, _ := a.Audit(ctx, p.ID)
	pinned := false
	for _, r := range recs {
		pinned = pinned || strings.Contains(r.Detail, d.Cert.SHA256())
	}
	if !pinned {
		t.Fatalf("the pin is not in the audit log: %+v", recs)
	}
	if _, err := a.TestServer(ctx, p.ID, true); err == nil || !strings.Contains(err.Error(), "new host is not set") {
		t.Fatalf("no new host: %v", err)
	}
}
