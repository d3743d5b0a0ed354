package views

import (
	"context"
	"strings"
	"testing"

	"mailshift/app"
	"mailshift/store"
)

// A pull that could not log in to one mailbox ends "NOT complete" on the
// dashboard, naming the mailbox, with Resume offered (a finished run with
// exceptions offers none: there is nothing to go on with).
func TestPhase2ARunThatStoppedAMailboxOffersResume(t *testing.T) {
	s, a, p, m := openDemoMigrate(t)
	ctx := context.Background()
	if _, err := a.UnlockSecrets(ctx, []byte("test passphrase"), false); err != nil {
		t.Fatal(err)
	}
	const zed = "zed@demo-company.test" // no such user on the demo's old host
	if err := a.AddMailbox(ctx, p.ID, "t", store.NewMailbox{Mailbox: store.Mailbox{Email: zed, SourceLogin: zed}, SourcePassword: []byte("not-it")}); err != nil {
		t.Fatal(err)
	}
	d := m.Dashboard
	tap(s, d.Pull)
	if !m.WaitFor(jobWait, func() bool { return d.CurrentJob().State == app.JobIncomplete }) {
		t.Fatalf("the pull did not end NOT complete: %s %q", d.CurrentJob().State, d.JobState.Text)
	}
	s.WaitIdle()
	if d.Resume.Disabled() || d.Pull.Disabled() || !strings.HasPrefix(d.JobState.Text, "Pull NOT complete") ||
		!strings.Contains(d.JobState.Text, zed+": ") || !strings.Contains(d.JobState.Text, "1 of 4 mailbox(es) stopped") {
		t.Fatalf("resume enabled %v: %q", !d.Resume.Disabled(), d.JobState.Text)
	}
}
