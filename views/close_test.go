package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailshift/app"
)

// Closing the window: nothing running quits without a question; during a
// pull it asks, "no" keeps everything running, "yes" pauses the pull
// (committed work kept) before the window closes, and the pull then
// resumes to the end with every message once.
func TestClosingDuringAPullAsksThenPausesAndResumes(t *testing.T) {
	s, a, p, m := openDemoMigrate(t)
	quits := make(chan struct{}, 2)
	quit := func() { quits <- struct{}{} }
	closed := func() bool {
		select {
		case <-quits:
			return true
		case <-time.After(jobWait):
			return false
		}
	}
	var asked string
	var answer func(bool)
	s.Confirm = func(title, msg string, ok func(bool)) { asked, answer = title+": "+msg, ok }

	s.RequestClose(quit)
	if !closed() || asked != "" {
		t.Fatalf("idle close: asked %q", asked)
	}
	m = openMigrate(s, p.ID) // the close stopped the screen's work
	s.WaitIdle()

	px := slowOldHost(t, a, p.ID, 100)
	d := m.Dashboard
	tap(s, d.Pull)
	if !m.WaitFor(jobWait, func() bool { j := d.CurrentJob(); return j.State == app.JobRunning && j.Progress.Done > 0 }) {
		t.Fatalf("the pull did not start: %q", d.JobState.Text)
	}
	s.RequestClose(quit)
	if !strings.Contains(asked, "Pause it and quit?") || answer == nil {
		t.Fatalf("no question during a run: %q", asked)
	}
	answer(false)
	if len(quits) != 0 || !a.Jobs().Running() {
		t.Fatalf("after no: %d close(s), running %v", len(quits), a.Jobs().Running())
	}
	s.RequestClose(quit)
	answer(true)
	if !closed() {
		t.Fatal("yes did not close the window")
	}
	var paused bool
	for _, j := range a.Jobs().List() {
		paused = paused || j.ID == app.PullJobID(p.ID) && j.State == app.JobPaused
	}
	if !paused || a.Jobs().Running() {
		t.Fatalf("after yes the pull is not paused: %+v", a.Jobs().List())
	}

	// The next start: the pull continues where it stopped, to the end.
	if err := px.Toxics.RemoveToxic(context.Background(), "slow"); err != nil {
		t.Fatal(err)
	}
	m = openMigrate(s, p.ID)
	s.WaitIdle()
	if j := runJob(t, s, m, "pull", m.Dashboard.Resume); j.State != app.JobDone {
		t.Fatalf("resumed pull: %s %q", j.State, j.Message)
	}
	v, err := a.Verify(context.Background(), p.ID, nil)
	if err != nil || !strings.HasPrefix(v.Verdict(), "all ") {
		t.Fatalf("after resuming: %v %q", err, v.Verdict())
	}
}
