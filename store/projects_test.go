package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestProjectsRoundTrip(t *testing.T) {
	db := openTemp(t)
	p, err := db.CreateProject(Project{
		Name: "Acme Dental", Domain: "acme-dental.test", Profile: "m365",
		Source:    Server{Host: "mail.old.test", Port: 993, Security: SecurityTLS, PinSHA256: "ab:cd"},
		CutoverAt: time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "acme-dental" {
		t.Errorf("id %q", p.ID)
	}
	if _, err := db.CreateProject(Project{Name: "Acme dental"}); err == nil {
		t.Error("a second project with the same ID was created")
	}
	got, err := db.Project("acme-dental")
	if err != nil {
		t.Fatal(err)
	}
	if got.Source.PinSHA256 != "ab:cd" || !got.CutoverAt.Equal(p.CutoverAt) || got.Profile != "m365" {
		t.Errorf("round trip lost data: %+v", got)
	}
	if _, err := db.Project("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing project: %v", err)
	}
	all, _ := db.Projects()
	if len(all) != 1 {
		t.Errorf("%d projects", len(all))
	}
}

func TestAddMailboxesIsAllOrNothing(t *testing.T) {
	db := openTemp(t)
	if _, err := db.UnlockSecrets(Unlock{Passphrase: []byte("correct horse")}); err != nil {
		t.Fatal(err)
	}
	db.CreateProject(Project{Name: "p"})
	err := db.AddMailboxes("p", []NewMailbox{
		{Mailbox: Mailbox{Email: "Ann@x.test", SourceLogin: "ann"}, SourcePassword: []byte("pw-ann")},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.AddMailboxes("p", []NewMailbox{
		{Mailbox: Mailbox{Email: "bob@x.test"}, SourcePassword: []byte("pw-bob")},
		{Mailbox: Mailbox{Email: "ann@x.test"}, SourcePassword: []byte("again")},
	})
	if err == nil || !strings.Contains(err.Error(), "ann@x.test") {
		t.Fatalf("duplicate address: %v", err)
	}
	mbs, _ := db.Mailboxes("p")
	if len(mbs) != 1 || mbs[0].ID != "ann@x.test" || mbs[0].Status != MailboxNew {
		t.Fatalf("after a failed import: %+v", mbs)
	}
	pw, err := db.Secret("p", SourceSecret("ann@x.test"))
	if err != nil || string(pw) != "pw-ann" {
		t.Fatalf("password: %q %v", pw, err)
	}
}

func TestMailboxPasswordsNeedUnlockedSecrets(t *testing.T) {
	db := openTemp(t)
	db.CreateProject(Project{Name: "p"})
	err := db.AddMailboxes("p", []NewMailbox{{Mailbox: Mailbox{Email: "a@x.test"}, SourcePassword: []byte("pw")}})
	if !errors.Is(err, ErrSecretsLocked) {
		t.Fatalf("got %v, want ErrSecretsLocked", err)
	}
}

func TestSnapshotsKeepHistory(t *testing.T) {
	db := openTemp(t)
	db.CreateProject(Project{Name: "p"})
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	db.AddSnapshot("p", "dns", at, []byte(`{"n":1}`))
	db.AddSnapshot("p", "dns", at, []byte(`{"n":2}`))
	db.AddSnapshot("p", "dns", at.Add(time.Hour), []byte(`{"n":3}`))
	snaps, err := db.Snapshots("p", "dns")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 3 || string(snaps[0].Data) != `{"n":1}` || string(snaps[2].Data) != `{"n":3}` {
		t.Fatalf("snapshots: %+v", snaps)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	db := openTemp(t)
	if s, err := db.Settings(); err != nil || s.Actor != "" {
		t.Fatalf("fresh settings: %+v %v", s, err)
	}
	want := Settings{Actor: "Tess", MaxConnections: 6, Resolvers: []string{"1.1.1.1", "9.9.9.9"}, NoKeychain: true}
	if err := db.SaveSettings(want); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Settings()
	if got.Actor != "Tess" || got.MaxConnections != 6 || len(got.Resolvers) != 2 || !got.NoKeychain {
		t.Fatalf("got %+v", got)
	}
}

// SetMailboxStatus changes the status only, of the mailbox as it is now,
// and only from the statuses given.
func TestSetMailboxStatusChangesOnlyTheStatus(t *testing.T) {
	db := openTemp(t)
	db.CreateProject(Project{Name: "p"})
	if err := db.AddMailboxes("p", []NewMailbox{{Mailbox: Mailbox{Email: "ann@x.test", SourceLogin: "ann"}}}); err != nil {
		t.Fatal(err)
	}
	mbs, _ := db.Mailboxes("p")
	edited := mbs[0]
	edited.DestLogin = "ann.new"
	if err := db.UpdateMailbox("p", edited); err != nil {
		t.Fatal(err)
	}
	if changed, err := db.SetMailboxStatus("p", "ann@x.test", MailboxVerified, MailboxPushed); err != nil || changed {
		t.Fatalf("a new mailbox became verified: %v %v", changed, err)
	}
	if changed, err := db.SetMailboxStatus("p", "ann@x.test", MailboxPulled); err != nil || !changed {
		t.Fatalf("set pulled: %v %v", changed, err)
	}
	mbs, _ = db.Mailboxes("p")
	if mbs[0].Status != MailboxPulled || mbs[0].DestLogin != "ann.new" || mbs[0].SourceLogin != "ann" {
		t.Fatalf("after the status change: %+v", mbs[0])
	}
	if _, err := db.SetMailboxStatus("p", "bob@x.test", MailboxPulled); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown mailbox: %v", err)
	}
}
