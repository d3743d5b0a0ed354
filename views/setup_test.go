package views

import (
	"context"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailshift/app"
)

func TestSetupImportsCSVWithPerRowErrorsAndPassphrase(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	if _, err := a.CreateProject(context.Background(), app.NewProject{Name: "Acme", Domain: "acme.test"}); err != nil {
		t.Fatal(err)
	}
	asked := 0
	s.AskPassphrase = func(problem string, answer func([]byte, bool)) {
		asked++
		if !strings.Contains(problem, "passphrase") {
			t.Errorf("prompt says %q", problem)
		}
		answer([]byte("a good passphrase"), true)
	}
	u := s.Open("setup", "acme").(*SetupScreen)
	s.WaitIdle()

	bad := "EmailAddress,UserName,Password\nann@acme.test,ann,pw\nbob@acme.test,bob,\n"
	u.ImportFrom(io.NopCloser(strings.NewReader(bad)))
	s.WaitIdle()
	if len(u.RowErrors()) != 1 || u.RowErrors()[0].Line != 3 || !strings.Contains(u.ImportMsg.Text, "Nothing was imported") {
		t.Fatalf("bad file: %v / %q", u.RowErrors(), u.ImportMsg.Text)
	}
	if asked != 1 {
		t.Fatalf("passphrase asked %d times", asked)
	}
	good := "EmailAddress,UserName,Password\nann@acme.test,ann,pw\nbob@acme.test,bob,pw2\n"
	u.ImportFrom(io.NopCloser(strings.NewReader(good)))
	s.WaitIdle()
	s.WaitIdle() // the reload started by the import
	if len(u.MailboxList()) != 2 || len(u.RowErrors()) != 0 || asked != 1 {
		t.Fatalf("good file: %d mailboxes, %v, asked %d", len(u.MailboxList()), u.RowErrors(), asked)
	}
	if got := u.cell(cellID(1, 0)); got != "ann@acme.test" {
		t.Fatalf("table row 1: %q", got)
	}
}

func TestSetupSavesServerSettings(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	a.CreateProject(context.Background(), app.NewProject{Name: "Acme", Domain: "acme.test"})
	u := s.Open("setup", "acme").(*SetupScreen)
	s.WaitIdle()
	u.Source.SetText("")
	test.Type(u.Source, "imap+starttls://mail.old.test")
	u.Max.SetText("9999")
	test.Tap(u.SaveSettings)
	if !strings.Contains(u.SettingsMsg.Text, "1 to 64") {
		t.Fatalf("bad connection count: %q", u.SettingsMsg.Text)
	}
	u.Max.SetText("3")
	test.Tap(u.SaveSettings)
	s.WaitIdle()
	p, _ := a.Project(context.Background(), "acme")
	if p.Source.Host != "mail.old.test" || p.Source.Port != 143 || p.Source.MaxConnections != 3 || u.SettingsMsg.Text != "Saved." {
		t.Fatalf("saved %+v, msg %q", p.Source, u.SettingsMsg.Text)
	}
	recs, _, _ := a.Audit(context.Background(), "acme")
	if last := recs[len(recs)-1]; last.Kind != "project.settings" || !strings.Contains(last.Detail, "imap+starttls://mail.old.test:143") {
		t.Fatalf("audit %+v", last)
	}
}
