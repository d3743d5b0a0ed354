package sync

import (
	"context"
	"errors"
	"strings"
	gosync "sync"
	"testing"

	"mailshift/store"
)

// cancelAtFolder cancels the pull when it opens its n-th folder.
type cancelAtFolder struct {
	NoProgress
	mu     gosync.Mutex
	opened int
	n      int
	cancel func()
}

func (c *cancelAtFolder) Folder(mb, f string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opened++; c.opened == c.n {
		c.cancel()
	}
}

// problemsOf returns the problems verification found for one folder ("" for
// the mailbox itself), and whether it listed that folder at all.
func problemsOf(v Verification, mailbox, folder string) ([]string, bool) {
	for _, f := range v.Folders {
		if f.Mailbox == mailbox && f.Folder == folder {
			return f.Problems, true
		}
	}
	return nil, false
}

// A first pull cut short after one folder stored some messages; the
// folders it never opened have no state in the store. Verification used
// to look only at folder states and said "all 12 messages of 1 folders
// verified" (exit 0) for a copy missing two thirds of the mailbox.
func TestVerifySeesFoldersAnInterruptedPullNeverReached(t *testing.T) {
	folders := []string{"INBOX", "Archive", "Zeta"}
	ep := memMailbox(t, "bob", folders, 12)
	db := tempStore(t)
	box := store.BoxKey{ProjectID: "p", MailboxID: "bob"}
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Pull(ctx, db, []PullMailbox{{Box: box, Endpoint: ep}}, PullOptions{MaxConnections: 1, BatchSize: 4, Progress: &cancelAtFolder{n: 2, cancel: cancel}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the pull was to be cancelled: %v", err)
	}
	states, _ := db.FolderStates(box)
	if len(states) == len(folders) {
		t.Fatalf("the cancelled pull reached every folder (%d states): the test proves nothing", len(states))
	}
	v, err := VerifyOffline(context.Background(), db, "p", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK() || !strings.HasPrefix(v.Verdict(), "NOT verified") {
		t.Fatalf("an interrupted copy verified: %q", v.Verdict())
	}
	missing := 0
	for _, f := range folders {
		problems, listed := problemsOf(v, "bob", f)
		if !listed {
			t.Errorf("folder %q is not in the verification: %+v", f, v.Folders)
		}
		if _, copied := states[f]; !copied {
			missing++
			if len(problems) != 1 || !strings.Contains(problems[0], "not copied") || !strings.Contains(problems[0], "run the pull again") {
				t.Errorf("folder %q never copied: problems %q", f, problems)
			}
		}
	}
	if missing == 0 {
		t.Fatal("no folder was left uncopied")
	}

	if _, err := Pull(context.Background(), db, []PullMailbox{{Box: box, Endpoint: ep}}, PullOptions{}); err != nil {
		t.Fatal(err)
	}
	v, err = VerifyOffline(context.Background(), db, "p", nil)
	if err != nil || v.Verdict() != "all 36 messages of 3 folders verified" {
		t.Fatalf("after the resumed pull: %q %v %+v", v.Verdict(), err, v.Folders)
	}
}

// A mailbox whose source could not be listed (here a wrong password) has
// nothing in the store; it is a discrepancy of its own, and an empty
// project is never "verified".
func TestVerifyFailsForAMailboxThePullCouldNotRead(t *testing.T) {
	db := tempStore(t)
	if v, err := VerifyOffline(context.Background(), db, "p", nil); err != nil || v.OK() || v.Verdict() != "NOT verified: nothing has been copied yet (run the pull)" {
		t.Fatalf("an empty store: %q %v", v.Verdict(), err)
	}
	good := memMailbox(t, "ann", []string{"INBOX"}, 3)
	bad := memMailbox(t, "bob", []string{"INBOX"}, 3)
	bad.Password = []byte("not the password")
	rep, err := Pull(context.Background(), db, []PullMailbox{
		{Box: store.BoxKey{ProjectID: "p", MailboxID: "ann"}, Endpoint: good},
		{Box: store.BoxKey{ProjectID: "p", MailboxID: "bob"}, Endpoint: bad},
	}, PullOptions{Retries: 1, Backoff: 1})
	if err != nil || rep.Mailboxes[1].Err == "" {
		t.Fatalf("the pull with a wrong password: %v %+v", err, rep.Mailboxes)
	}
	v, err := VerifyOffline(context.Background(), db, "p", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK() || v.Messages != 3 {
		t.Fatalf("verdict %q with %d messages", v.Verdict(), v.Messages)
	}
	if p, _ := problemsOf(v, "ann", "INBOX"); len(p) != 0 {
		t.Errorf("ann's copy is whole: %q", p)
	}
	if p, listed := problemsOf(v, "bob", ""); !listed || len(p) != 1 || !strings.Contains(p[0], "could not list") {
		t.Errorf("bob's mailbox: listed %v, problems %q", listed, p)
	}
}

// A mailbox of the project that no pull has touched is not copied.
func TestVerifyCountsProjectMailboxesNeverPulled(t *testing.T) {
	db := tempStore(t)
	if _, err := db.UnlockSecrets(store.Unlock{Passphrase: []byte("correct horse")}); err != nil {
		t.Fatal(err)
	}
	proj, err := db.CreateProject(store.Project{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	err = db.AddMailboxes(proj.ID, []store.NewMailbox{
		{Mailbox: store.Mailbox{Email: "ann@acme.test"}, SourcePassword: []byte("a")},
		{Mailbox: store.Mailbox{Email: "bob@acme.test"}, SourcePassword: []byte("b")},
	})
	if err != nil {
		t.Fatal(err)
	}
	ep := memMailbox(t, "ann", []string{"INBOX"}, 2)
	if _, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: proj.ID, MailboxID: "ann@acme.test"}, Endpoint: ep}}, PullOptions{}); err != nil {
		t.Fatal(err)
	}
	v, err := VerifyOffline(context.Background(), db, proj.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK() {
		t.Fatalf("bob was never copied, yet %q", v.Verdict())
	}
	if p, listed := problemsOf(v, "bob@acme.test", ""); !listed || len(p) != 1 || !strings.Contains(p[0], "not been copied") {
		t.Errorf("bob: listed %v, problems %q", listed, p)
	}
	if p, listed := problemsOf(v, "ann@acme.test", "INBOX"); !listed || len(p) != 0 {
		t.Errorf("ann: listed %v, problems %q", listed, p)
	}
}
