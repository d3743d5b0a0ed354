package views

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailshift/app"
	"mailshift/store"
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

// "Test all logins" on the demo project: every mailbox logs in on both
// hosts and each row says so.
func TestSetupTestsAllDemoLogins(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	u := s.Open("setup", p.ID).(*SetupScreen)
	s.WaitIdle()
	if len(u.MailboxList()) == 0 || u.LoginStatus(u.MailboxList()[0].ID, false) != "—" {
		t.Fatalf("before the test: %d mailboxes, %q", len(u.MailboxList()), u.LoginStatus(u.MailboxList()[0].ID, false))
	}
	test.Tap(u.TestAllLogins)
	s.WaitIdle()
	for i, m := range u.MailboxList() {
		for _, dest := range []bool{false, true} {
			if got := u.LoginStatus(m.ID, dest); !strings.HasPrefix(got, "OK · ") {
				t.Fatalf("%s dest=%v: %q (%s)", m.Email, dest, got, u.LoginDetail(m.ID))
			}
			if got := u.cell(cellID(i+1, 1+btoi(dest))); !strings.HasPrefix(got, "OK · ") {
				t.Fatalf("table cell of %s: %q", m.Email, got)
			}
		}
		if m.Status != "tested" {
			t.Fatalf("%s status %q after the test", m.Email, m.Status)
		}
	}
	want := fmt.Sprintf("All %d login(s) work.", 2*len(u.MailboxList()))
	if u.LoginsMsg.Text != want || u.TestAllLogins.Disabled() {
		t.Fatalf("summary %q (want %q), button disabled %v", u.LoginsMsg.Text, want, u.TestAllLogins.Disabled())
	}
}

// A mailbox added through the screen with a wrong password shows the
// wrong-password wording; the one with the right password shows OK.
func TestSetupLoginTestShowsAWrongPassword(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	demoP, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	s.AskPassphrase = func(_ string, answer func([]byte, bool)) { answer([]byte("a good passphrase"), true) }
	// A real (non-demo) project whose hosts are the demo's servers, so its
	// passwords are the ones typed into the screen.
	p, err := a.CreateProject(ctx, app.NewProject{Name: "Acme", Domain: "acme.test", Source: demoP.Source, Destination: demoP.Destination})
	if err != nil {
		t.Fatal(err)
	}
	u := s.Open("setup", p.ID).(*SetupScreen)
	s.WaitIdle()
	ann, bob := "ann@"+demoP.Domain, "bob@"+demoP.Domain
	annPW, err := a.Password(ctx, demoP, store.MailboxID(ann), false)
	if err != nil {
		t.Fatal(err)
	}
	bobPW, _ := a.Password(ctx, demoP, store.MailboxID(bob), false)
	u.Add(store.NewMailbox{Mailbox: store.Mailbox{Email: ann, SourceLogin: ann, DestLogin: ann}, SourcePassword: annPW, DestPassword: annPW})
	s.WaitIdle()
	u.Add(store.NewMailbox{Mailbox: store.Mailbox{Email: bob, SourceLogin: bob, DestLogin: bob}, SourcePassword: []byte("wrong-" + string(bobPW)), DestPassword: bobPW})
	s.WaitIdle()
	if len(u.MailboxList()) != 2 {
		t.Fatalf("%d mailboxes after Add (%q)", len(u.MailboxList()), u.ImportMsg.Text)
	}
	test.Tap(u.TestAllLogins)
	s.WaitIdle()
	annID, bobID := store.MailboxID(ann), store.MailboxID(bob)
	if !strings.HasPrefix(u.LoginStatus(annID, false), "OK") || !strings.HasPrefix(u.LoginStatus(annID, true), "OK") {
		t.Fatalf("ann: %q / %q", u.LoginStatus(annID, false), u.LoginStatus(annID, true))
	}
	if got := u.LoginStatus(bobID, false); got != "wrong password" {
		t.Fatalf("bob's old host: %q", got)
	}
	if got := u.LoginStatus(bobID, true); !strings.HasPrefix(got, "OK") {
		t.Fatalf("bob's new host: %q", got)
	}
	if !strings.Contains(u.LoginsMsg.Text, "1 of 4 login(s) failed") || !strings.Contains(u.LoginsMsg.Text, "wrong login name or password on the old host") {
		t.Fatalf("summary %q", u.LoginsMsg.Text)
	}
	u.Mailboxes.Select(cellID(2, 1)) // bob's row
	if !strings.Contains(u.LoginsMsg.Text, bob+" — old host: wrong login name or password") || strings.Contains(u.LoginsMsg.Text, string(bobPW)) {
		t.Fatalf("selected row detail %q", u.LoginsMsg.Text)
	}
	for _, m := range u.MailboxList() {
		if m.ID == bobID && m.Status != store.MailboxLoginFail {
			t.Fatalf("bob's status %q", m.Status)
		}
	}

	// Fix it: Edit (enabled by the selected row) with the right password,
	// then the login test passes for everyone.
	if u.EditMailbox.Disabled() || u.selected != bobID {
		t.Fatalf("edit after selecting bob: disabled %v, selected %q", u.EditMailbox.Disabled(), u.selected)
	}
	u.Edit(bobID, app.MailboxEdit{SourceLogin: bob, DestLogin: bob, SourcePassword: bobPW})
	s.WaitIdle()
	if u.LoginStatus(bobID, false) != "—" || !strings.Contains(u.ImportMsg.Text, "test its login again") {
		t.Fatalf("after the edit: %q, %q", u.LoginStatus(bobID, false), u.ImportMsg.Text)
	}
	test.Tap(u.TestAllLogins)
	s.WaitIdle()
	if !strings.HasPrefix(u.LoginsMsg.Text, "All 4 login(s) work") {
		t.Fatalf("after fixing bob's password: %q", u.LoginsMsg.Text)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
