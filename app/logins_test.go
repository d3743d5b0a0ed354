package app

import (
	"context"
	"net"
	"strings"
	"testing"

	"mailshift/store"
)

// Every demo mailbox logs in on both demo servers; the results arrive
// through progress one by one and the plan's login step is passed.
func TestLoginsOfTheDemoAllWork(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	var seen []LoginResult
	res, err := a.TestLogins(ctx, id, func(r LoginResult) { seen = append(seen, r) })
	if err != nil {
		t.Fatal(err)
	}
	mbs, _ := a.Mailboxes(ctx, id)
	if len(res) != 2*len(mbs) || len(seen) != len(res) {
		t.Fatalf("%d results, %d progress calls for %d mailboxes", len(res), len(seen), len(mbs))
	}
	for i, r := range res {
		if r.Outcome != LoginOK || r.Folders == 0 || r.Err != nil || !strings.HasPrefix(r.Words, "OK, ") {
			t.Fatalf("result %d: %+v", i, r)
		}
		if r.MailboxID != mbs[i/2].ID || r.Dest != (i%2 == 1) {
			t.Fatalf("result %d out of order: %s dest=%v", i, r.MailboxID, r.Dest)
		}
	}
	st, err := a.step(id, "test-logins")
	if err != nil || st.Status != StatusDone || st.By != "mailshift" {
		t.Fatalf("test-logins step: %+v %v", st, err)
	}
	after, _ := a.Mailboxes(ctx, id)
	for _, m := range after {
		if m.Status != store.MailboxTested {
			t.Fatalf("%s status %s", m.Email, m.Status)
		}
	}
}

// projectAtTheDemoHosts is a project of its own (name) whose old and new
// hosts are the demo's, with saved passwords unlocked: mailboxes added to
// it carry the passwords a test gives them. It returns the demo project too
// (its passwords are the demo's users').
func projectAtTheDemoHosts(t *testing.T, name string) (*App, store.Project, store.Project) {
	t.Helper()
	a, demoID := demoApp(t)
	ctx := context.Background()
	if _, err := a.UnlockSecrets(ctx, []byte("test passphrase"), false); err != nil {
		t.Fatal(err)
	}
	demoP, _ := a.Project(ctx, demoID)
	p, err := a.CreateProject(ctx, NewProject{Name: name, Domain: strings.ToLower(name) + ".test", Source: demoP.Source, Destination: demoP.Destination})
	if err != nil {
		t.Fatal(err)
	}
	return a, demoP, p
}

// A project at the demo servers with one wrong password, one mailbox with
// no new-host password and a host where nothing listens: each failure is
// worded for a person, the mailbox is marked failed, the step blocked.
func TestLoginsSayWhatWentWrong(t *testing.T) {
	a, demoP, p := projectAtTheDemoHosts(t, "Logins")
	ctx := context.Background()
	ann, bob := "ann@"+demoP.Domain, "bob@"+demoP.Domain
	annPW, err := a.Password(ctx, demoP, store.MailboxID(ann), false)
	if err != nil {
		t.Fatal(err)
	}
	bobPW, _ := a.Password(ctx, demoP, store.MailboxID(bob), false)
	add := func(email string, src, dst []byte) {
		t.Helper()
		if err := a.AddMailbox(ctx, p.ID, "t", store.NewMailbox{Mailbox: store.Mailbox{Email: email, SourceLogin: email, DestLogin: email},
			SourcePassword: src, DestPassword: dst}); err != nil {
			t.Fatal(err)
		}
	}
	add(ann, annPW, []byte("not "+string(annPW)))
	add(bob, bobPW, nil)
	res, err := a.TestLogins(ctx, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		outcome LoginOutcome
		words   string
	}{
		{LoginOK, "OK, "},
		{LoginWrongPassword, "wrong login name or password on the new host"},
		{LoginOK, "OK, "},
		{LoginNoPassword, "no password saved for the new host"},
	}
	if len(res) != len(want) {
		t.Fatalf("%d results: %+v", len(res), res)
	}
	for i, w := range want {
		if res[i].Outcome != w.outcome || !strings.Contains(res[i].Words, w.words) {
			t.Fatalf("result %d: %s %q, want %s %q", i, res[i].Outcome, res[i].Words, w.outcome, w.words)
		}
		if strings.Contains(res[i].Words, string(annPW)) {
			t.Fatalf("result %d shows a password: %q", i, res[i].Words)
		}
	}
	mbs, _ := a.Mailboxes(ctx, p.ID)
	for _, m := range mbs {
		if m.Status != store.MailboxLoginFail {
			t.Fatalf("%s: status %s after a failed new-host login", m.Email, m.Status)
		}
	}
	st, _ := a.step(p.ID, "test-logins")
	if st.Status != StatusBlocked {
		t.Fatalf("test-logins step after failures: %+v", st)
	}

	// Nothing listens on the old host: "cannot connect".
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().(*net.TCPAddr)
	l.Close()
	src := demoP.Source
	src.Port = dead.Port
	if _, err := a.UpdateSettings(ctx, p.ID, "t", ProjectSettings{Domain: "logins.test", Source: src, Destination: demoP.Destination}); err != nil {
		t.Fatal(err)
	}
	res, err = a.TestLogins(ctx, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != LoginCannotConnect || !strings.Contains(res[0].Words, "cannot connect to the old host") {
		t.Fatalf("dead old host: %s %q", res[0].Outcome, res[0].Words)
	}
}

// A cancelled run says so and records nothing on the plan.
func TestLoginsStopWithTheContext(t *testing.T) {
	a, id := demoApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := a.TestLogins(ctx, id, nil)
	if err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("cancelled run: %v", err)
	}
	for _, r := range res {
		if r.Outcome != LoginStopped {
			t.Fatalf("cancelled run result %+v", r)
		}
	}
	if st, _ := a.step(id, "test-logins"); st.Status != StatusTodo {
		t.Fatalf("a cancelled run changed the step: %+v", st)
	}
}
