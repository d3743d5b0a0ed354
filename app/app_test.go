package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mailshift/store"
)

func newTestApp(t *testing.T) *App {
	t.Helper()
	a, err := Open(context.Background(), t.TempDir(), Options{Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.UnlockSecrets(context.Background(), []byte("test passphrase"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateProject(context.Background(), NewProject{Name: "Acme", Domain: "acme.test", Actor: "Tess"}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCreateProjectValidates(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	if _, err := a.CreateProject(ctx, NewProject{Name: "x", Profile: "exchange2003"}); err == nil {
		t.Error("unknown profile accepted")
	}
	if _, err := a.CreateProject(ctx, NewProject{Name: "x", Domain: "not a domain"}); err == nil {
		t.Error("bad domain accepted")
	}
	recs, head, err := a.Audit(ctx, "acme")
	if err != nil || len(recs) != 1 || recs[0].Kind != "project.created" || head == "" {
		t.Fatalf("audit %+v %q %v", recs, head, err)
	}
}

func TestParseServer(t *testing.T) {
	for in, want := range map[string]store.Server{
		"imaps://mail.old.test":         {Host: "mail.old.test", Port: 993, Security: store.SecurityTLS},
		"imap+starttls://mail.old.test": {Host: "mail.old.test", Port: 143, Security: store.SecuritySTARTTLS},
		"imaps://127.0.0.1:10993":       {Host: "127.0.0.1", Port: 10993, Security: store.SecurityTLS},
		"mail.old.test":                 {Host: "mail.old.test", Port: 993, Security: store.SecurityTLS},
	} {
		got, err := ParseServer(in, false)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
		if back, _ := ParseServer(ServerURL(got), false); back != got {
			t.Errorf("%s does not round-trip: %s", in, ServerURL(got))
		}
	}
	for _, bad := range []string{"imap://mail.old.test", "ftp://x", "imaps://host:99999", "imaps://"} {
		if _, err := ParseServer(bad, false); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if s, err := ParseServer("imap://mail.old.test", true); err != nil || s.Security != store.SecurityPlain {
		t.Errorf("explicitly allowed plaintext: %+v %v", s, err)
	}
}

func TestChecklistStateMachine(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	events, stop := a.Events.Subscribe(16)
	defer stop()

	if _, err := a.Tick(ctx, "acme", "agree-terms", "", "", ""); err == nil {
		t.Error("tick without a name accepted")
	}
	s, err := a.Tick(ctx, "acme", "agree-terms", "Tess", "signed on the phone", "")
	if err != nil || s.Status != StatusDone || s.By != "Tess" {
		t.Fatalf("tick: %+v %v", s, err)
	}
	if ev := (<-events).(StepChanged); ev.Step.ID != "agree-terms" || ev.Step.Status != StatusDone {
		t.Fatalf("event %+v", ev)
	}
	if _, err := a.Untick(ctx, "acme", "agree-terms", "Tess", " "); !errors.Is(err, ErrReasonRequired) {
		t.Fatalf("untick without reason: %v", err)
	}
	if s, err = a.Untick(ctx, "acme", "agree-terms", "Tess", "customer changed the date"); err != nil || s.Status != StatusTodo {
		t.Fatalf("untick: %+v %v", s, err)
	}
	// A failing check blocks; ticking then needs an override reason.
	if _, err := a.RecordCheck(ctx, "acme", "domain-preflight", false, "pendingTransfer", []byte(`{"blockers":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Tick(ctx, "acme", "domain-preflight", "Tess", "", ""); !errors.Is(err, ErrReasonRequired) {
		t.Fatalf("tick of blocked step: %v", err)
	}
	s, err = a.Tick(ctx, "acme", "domain-preflight", "Tess", "", "registrar confirmed the transfer completes Friday")
	if err != nil || !s.Override || s.Status != StatusDone {
		t.Fatalf("override: %+v %v", s, err)
	}
	if _, err := a.Tick(ctx, "acme", "no-such-step", "Tess", "", ""); err == nil {
		t.Error("unknown step accepted")
	}
	steps, _ := a.Checklist(ctx, "acme")
	if len(steps) != 12 || steps[0].Status != StatusTodo || steps[3].Status != StatusDone {
		t.Fatalf("checklist: %d steps, %+v", len(steps), steps[:4])
	}
	recs, _, err := a.Audit(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, r.Kind)
	}
	if got := strings.Join(kinds, " "); got != "project.created step.ticked step.unticked check.failed step.overridden" {
		t.Fatalf("audit kinds: %s", got)
	}
}

func TestImportCSV(t *testing.T) {
	ctx := context.Background()
	good := "\xef\xbb\xbfEmailAddress,UserName,Password,DestinationPassword\nann@acme.test,ann,pw1,\nbob@acme.test,bob,pw2,dpw\n"
	bad := map[string][]string{
		"wrong columns":    {"Email,Login,Pass\na@acme.test,a,p\n", "unknown column", "required column is missing"},
		"duplicate":        {"EmailAddress,UserName,Password\nc@acme.test,c,p\nC@acme.test,c,p\n", "line 3, EmailAddress: C@acme.test also appears on line 2"},
		"already imported": {"EmailAddress,UserName,Password\nann@acme.test,ann,p\n", "already in this project"},
		"empty password":   {"EmailAddress,UserName,Password\nd@acme.test,d,\n", "line 2, Password: is empty"},
		"not utf-8":        {"EmailAddress,UserName,Password\ne@acme.test,J\xf6rg,p\n", "line 2, UserName: contains bytes that are not UTF-8"},
		"short row":        {"EmailAddress,UserName,Password\nf@acme.test,f\n", "line 2: has 2 fields"},
		"bad address":      {"EmailAddress,UserName,Password\nnot-an-address,g,p\n", "is not an email address"},
		"empty file":       {"", "the file is empty"},
	}
	a := newTestApp(t)
	n, err := a.ImportMailboxesCSV(ctx, "acme", "Tess", strings.NewReader(good))
	if err != nil || n != 2 {
		t.Fatalf("good file: %d %v", n, err)
	}
	if pw, err := a.Store().Secret("acme", store.DestSecret("bob@acme.test")); err != nil || string(pw) != "dpw" {
		t.Fatalf("destination password: %q %v", pw, err)
	}
	for name, c := range bad {
		t.Run(name, func(t *testing.T) {
			n, err := a.ImportMailboxesCSV(ctx, "acme", "Tess", strings.NewReader(c[0]))
			var ie *ImportError
			if n != 0 || !errors.As(err, &ie) {
				t.Fatalf("got %d %v", n, err)
			}
			for _, want := range c[1:] {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			mbs, _ := a.Mailboxes(ctx, "acme")
			if len(mbs) != 2 {
				t.Errorf("%d mailboxes after a rejected import", len(mbs))
			}
		})
	}
}

func TestStartDemoCreatesAProjectThatReopens(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for run := 0; run < 2; run++ {
		a, err := Open(ctx, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, stop, err := a.StartDemo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mbs, _ := a.Mailboxes(ctx, p.ID)
		if !p.Demo || p.Source.Host != "127.0.0.1" || len(mbs) != 3 {
			t.Fatalf("run %d: %+v, %d mailboxes", run, p, len(mbs))
		}
		if pw, err := a.Password(ctx, p, mbs[0].ID, false); err != nil || len(pw) == 0 {
			t.Fatalf("demo password: %v", err)
		}
		stop()
		a.Close()
	}
}

func TestSignOffWaitsForGreenThenReportCarriesIt(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	if err := a.SignOff(ctx, "acme", "Carla Customer", "Tess", ""); err == nil || !strings.Contains(err.Error(), "still open") {
		t.Fatalf("early sign-off: %v", err)
	}
	for _, ph := range ThePlan {
		for _, s := range ph.Steps {
			if s.ID != "sign-off" {
				if _, err := a.Tick(ctx, "acme", s.ID, "Tess", "", ""); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := a.SignOff(ctx, "acme", " ", "Tess", ""); err == nil {
		t.Fatal("sign-off without a name")
	}
	if err := a.SignOff(ctx, "acme", "Carla Customer", "Tess", "all good"); err != nil {
		t.Fatal(err)
	}
	r, err := a.BuildReport(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if r.SignOff == nil || r.SignOff.Customer != "Carla Customer" || !r.AuditOK || r.AuditCount < 13 || r.Steps[11].Status != "done" {
		t.Fatalf("report: %+v", r.SignOff)
	}
	htmlPath, pdfPath, err := a.ExportReport(ctx, "acme", t.TempDir(), "Tess")
	if err != nil || !strings.HasSuffix(pdfPath, ".pdf") || !strings.HasSuffix(htmlPath, ".html") {
		t.Fatalf("export: %v", err)
	}
}

func TestSaveSettingsValidates(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	if err := a.SaveSettings(ctx, store.Settings{Resolvers: []string{"dns.google"}}); err == nil {
		t.Error("a host name accepted as resolver")
	}
	if err := a.SaveSettings(ctx, store.Settings{Appearance: "purple"}); err == nil || !strings.Contains(err.Error(), "light, dark") {
		t.Fatalf("unknown appearance accepted: %v", err)
	}
	if err := a.SaveSettings(ctx, store.Settings{MaxConnections: 500}); err == nil {
		t.Error("500 connections accepted")
	}
	if err := a.SaveSettings(ctx, store.Settings{Actor: " Tess ", Resolvers: []string{"9.9.9.9", "", "127.0.0.1:5353"}}); err != nil {
		t.Fatal(err)
	}
	s, _ := a.Settings(ctx)
	if s.Actor != "Tess" || len(s.Resolvers) != 2 {
		t.Fatalf("%+v", s)
	}
}
