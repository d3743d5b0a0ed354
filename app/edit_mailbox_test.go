package app

import (
	"context"
	"strings"
	"testing"

	"mailshift/store"
)

// Fixing a mailbox's login: the new password is sealed and used, the audit
// log says what changed without the password, the login test must be run
// again, and an empty login is refused.
func TestEditMailboxFixesALogin(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	if err := a.AddMailbox(ctx, "acme", "Tess", store.NewMailbox{Mailbox: store.Mailbox{Email: "ann@acme.test"},
		SourcePassword: []byte("wrong-one")}); err != nil {
		t.Fatal(err)
	}
	_, m, _ := a.mailbox("acme", "ann@acme.test")
	m.Status = store.MailboxLoginFail
	a.db.UpdateMailbox("acme", m)

	if _, err := a.EditMailbox(ctx, "acme", "Tess", "ann@acme.test", MailboxEdit{SourceLogin: " "}); err == nil {
		t.Fatal("an empty login was accepted")
	}
	got, err := a.EditMailbox(ctx, "acme", "Tess", "ann@acme.test", MailboxEdit{SourceLogin: "ann", DestLogin: "ann@acme.onmicrosoft.test", SourcePassword: []byte("s3cret-Right")})
	if err != nil || got.SourceLogin != "ann" || got.DestLogin != "ann@acme.onmicrosoft.test" || got.Status != store.MailboxNew {
		t.Fatalf("%+v %v", got, err)
	}
	p, _ := a.Project(ctx, "acme")
	if pw, err := a.Password(ctx, p, "ann@acme.test", false); err != nil || string(pw) != "s3cret-Right" {
		t.Fatalf("saved password %q %v", pw, err)
	}
	recs, _, _ := a.Audit(ctx, "acme")
	last := recs[len(recs)-1]
	if last.Kind != "mailbox.edited" || !strings.Contains(last.Detail, "old host password changed") || strings.Contains(last.Detail, "s3cret") {
		t.Fatalf("audit %+v", last)
	}
}
