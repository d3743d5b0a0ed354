package views

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// jobWait bounds every wait for a demo job (the machine is shared).
const jobWait = 90 * time.Second

// openDemoMigrate opens the migration screen of a running demo project.
func openDemoMigrate(t *testing.T) (*Shell, *app.App, store.Project, *MigrateScreen) {
	t.Helper()
	s, a := openShell(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); a.Jobs().PauseAll(); stop(); cancel(); a.Close() })
	m := openMigrate(s, p.ID)
	s.WaitIdle()
	return s, a, p, m
}

// tap taps b as the UI goroutine would: serialised (through Shell.Do)
// with the screen's background updates, which Fyne's test driver applies
// on their own goroutines.
func tap(s *Shell, b fyne.Tappable) { s.Do(func() { test.Tap(b) }) }

// openMigrate opens the migration screen the same way.
func openMigrate(s *Shell, projectID string) (m *MigrateScreen) {
	s.Do(func() { m = s.Open("migrate", projectID).(*MigrateScreen) })
	return m
}

// runJob taps start, waits on the screen's paints until the dashboard
// shows a kind job started since then ended, then until the work that
// started has been applied.
func runJob(t *testing.T, s *Shell, m *MigrateScreen, kind string, start *widget.Button) app.JobInfo {
	t.Helper()
	since := time.Now()
	tap(s, start)
	ended := func() bool {
		j := m.Dashboard.CurrentJob()
		return j.Kind == kind && !j.Started.Before(since) && j.State != app.JobRunning && j.State != ""
	}
	if !m.WaitFor(jobWait, ended) {
		t.Fatalf("the %s did not end within %s: %q", kind, jobWait, m.Dashboard.JobState.Text)
	}
	s.WaitIdle()
	return m.Dashboard.CurrentJob()
}

// The demo migration from the Migration screen: pull, then push, to the
// end, with every mailbox's row complete; no failed messages; a
// reconciliation whose verdict says every message is on the new host; an
// offline verification of the local copy.
func TestMigrateScreenRunsTheDemoToTheEnd(t *testing.T) {
	s, _, _, m := openDemoMigrate(t)
	d := m.Dashboard
	if len(d.Rows()) != 3 || d.Pause.Disabled() == false || d.Pull.Disabled() {
		t.Fatalf("before the pull: rows %v, pause enabled %v", d.Rows(), !d.Pause.Disabled())
	}
	// A mailbox never read has no progress to show, and nothing is being
	// counted while no job runs.
	for _, row := range d.Rows() {
		if row[1] != "not started" || row[2] != "" || row[3] != "" || row[4] != "" {
			t.Fatalf("before the pull: %q", row)
		}
	}
	if !strings.HasPrefix(m.Errors.Summary.Text, "No failed messages") {
		t.Fatalf("errors before anything ran: %q", m.Errors.Summary.Text)
	}

	j := runJob(t, s, m, "pull", d.Pull)
	if j.State != app.JobDone || d.Bar.Value != 1 || !strings.HasPrefix(d.JobState.Text, "Pull done") || !strings.Contains(d.JobCounts.Text, "0 problem(s)") {
		t.Fatalf("after the pull: %s %q %q bar %v", j.State, d.JobState.Text, d.JobCounts.Text, d.Bar.Value)
	}
	total := 0
	for _, r := range d.rows {
		if r.total == 0 || r.done != r.total || d.Progress(r.c.Mailbox) != 1 || r.c.Status != store.MailboxPulled {
			t.Fatalf("a mailbox after the pull: %+v", r)
		}
		total += r.total
	}
	if total != int(j.Progress.Done) {
		t.Fatalf("the rows add up to %d messages, the pull copied %d", total, j.Progress.Done)
	}

	j = runJob(t, s, m, "push", d.Push)
	if j.State != app.JobDone || d.Bar.Value != 1 || int(j.Progress.Done) != total {
		t.Fatalf("after the push: %s %q, %d of %d", j.State, j.Message, j.Progress.Done, total)
	}
	for i, row := range d.Rows() {
		want := fmt.Sprintf("%d / %d", d.rows[i].c.Local, d.rows[i].c.Local)
		if row[1] != "on the new host" || row[3] != want || row[7] != "0" || d.Progress(row[0]) != 1 {
			t.Fatalf("row after the push: %q (want %q)", row, want)
		}
	}
	if !strings.HasPrefix(m.Errors.Summary.Text, "No failed messages") || len(m.Errors.Failures()) != 0 || !m.Errors.Retry.Disabled() {
		t.Fatalf("errors after a clean push: %q, %d", m.Errors.Summary.Text, len(m.Errors.Failures()))
	}

	// The final delta finds nothing new and changes nothing.
	j = runJob(t, s, m, "delta", d.Delta)
	if j.State != app.JobDone || !strings.Contains(j.Message, "pull: ") || !strings.Contains(j.Message, "push: ") || !strings.HasPrefix(d.JobState.Text, "Final delta done") {
		t.Fatalf("final delta: %s %q %q", j.State, j.Message, d.JobState.Text)
	}
	for _, r := range d.rows {
		if r.done != r.c.Local || d.Progress(r.c.Mailbox) != 1 {
			t.Fatalf("a mailbox after the final delta: %+v", r)
		}
	}

	tap(s, m.Reconcile.Run)
	s.WaitIdle()
	want := fmt.Sprintf("All %d messages are on the destination", total)
	if !strings.HasPrefix(m.Reconcile.Verdict.Text, want) || m.Reconcile.Rows() < 8*3 {
		t.Fatalf("verdict %q (want %q), %d rows", m.Reconcile.Verdict.Text, want, m.Reconcile.Rows())
	}
	tap(s, m.Reconcile.Verify)
	s.WaitIdle()
	if v := m.Reconcile.VerifyResult.Text; !strings.HasPrefix(v, "Local copy: All ") || !strings.Contains(v, "messages of") {
		t.Fatalf("verify: %q", v)
	}
	for r := 1; r <= m.Reconcile.Rows(); r++ {
		src, matched := m.Reconcile.CellText(r, 2), m.Reconcile.CellText(r, 5)
		if src != matched || m.Reconcile.CellText(r, 6) != "0" {
			t.Fatalf("reconcile row %d: source %s matched %s missing %s", r, src, matched, m.Reconcile.CellText(r, 6))
		}
	}
}
