package views

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailshift/app"
	"mailshift/internal/testenv"
	"mailshift/store"
)

// Setup's Test old host against a real Dovecot with a self-signed
// certificate: the fingerprint is shown with what to do, Trust pins exactly
// that certificate (into the form and the project) and the test passes,
// listing the first mailbox's folders.
func TestSetupTestServerAndTrustCertificate(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{TLS: true})
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ctx := context.Background()
	if _, err := a.UnlockSecrets(ctx, []byte("test passphrase"), false); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(d.TLSAddr)
	pn, _ := strconv.Atoi(port)
	p, err := a.CreateProject(ctx, app.NewProject{Name: "Self-signed", Domain: "selfsigned.test", Profile: "generic",
		Source: store.Server{Host: host, Port: pn, Security: store.SecurityTLS}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddMailbox(ctx, p.ID, "Tess", store.NewMailbox{Mailbox: store.Mailbox{Email: "alice@selfsigned.test", SourceLogin: testenv.DefaultUser},
		SourcePassword: []byte(testenv.DefaultPassword)}); err != nil {
		t.Fatal(err)
	}
	u := s.Open("setup", p.ID).(*SetupScreen)
	s.WaitIdle()
	test.Tap(u.server.TestOld)
	s.WaitIdle()
	fp := d.Cert.SHA256()
	if !strings.Contains(u.server.Result.Text, "not trusted") || !strings.Contains(u.server.Result.Text, fp) || u.server.Trust.Hidden {
		t.Fatalf("untrusted: %q (trust hidden %v)", u.server.Result.Text, u.server.Trust.Hidden)
	}
	test.Tap(u.server.Trust)
	s.WaitIdle()
	got, _ := a.Project(ctx, p.ID)
	if u.Pin.Text != fp || got.Source.PinSHA256 != fp || !u.server.Trust.Hidden {
		t.Fatalf("pin: form %q, project %q", u.Pin.Text, got.Source.PinSHA256)
	}
	if r := u.server.Result.Text; !strings.Contains(r, "answers at "+d.TLSAddr+" over TLS") || !strings.Contains(r, "IMAP4rev1") ||
		!strings.Contains(r, "first mailbox logs in") || !strings.Contains(r, "INBOX") {
		t.Fatalf("trusted: %q", r)
	}
	test.Tap(u.server.TestNew)
	s.WaitIdle()
	if !strings.Contains(u.server.Result.Text, "new host is not set") {
		t.Fatalf("no new host: %q", u.server.Result.Text)
	}
}
