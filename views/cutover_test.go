package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"mailshift/app"
)

// openCutover shows the cutover screen of the demo project (its loopback
// DNS fixture is on cutover day: new MX at the name servers, two of four
// resolvers still caching the old one, SPF and Autodiscover not changed).
func openCutover(t *testing.T, every time.Duration) (*Shell, *app.App, *CutoverScreen, string) {
	t.Helper()
	s, a := openShell(t, t.TempDir())
	t.Cleanup(func() { a.Close() })
	t.Cleanup(s.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c := NewCutoverScreen(s, p.ID)
	c.RefreshEvery = every
	s.Show(c)
	s.WaitIdle()
	return s, a, c, p.ID
}

// onUI reads a widget's state on the UI side (the countdown repaints it).
func onUI[T any](s *Shell, f func() T) (v T) {
	s.Do(func() { v = f() })
	return v
}

func TestCutoverShowsPropagationNofMAndCountdowns(t *testing.T) {
	s, _, c, _ := openCutover(t, 0)
	if got := c.Checks[app.CheckPropagation].Text.Text; !strings.Contains(got, "2 of 4 resolvers see the new MX") {
		t.Fatalf("propagation line %q", got)
	}
	if got := c.History.Text; !strings.Contains(got, "2 of 4 resolvers and 2 of 2 name servers see the new MX") {
		t.Fatalf("history %q", got)
	}
	if got := c.Checks[app.CheckSPF].Text.Text; !strings.Contains(got, "does not include the new host") || !strings.Contains(got, "What to do:") {
		t.Fatalf("SPF line %q", got)
	}
	if got := c.Checks[app.CheckDrained].Text.Text; !strings.HasPrefix(got, "Old INBOX drained — The old INBOX of ") {
		t.Fatalf("drained line before any pull %q", got)
	}
	cd := onUI(s, func() string { return c.Countdown.Text })
	if !strings.HasPrefix(cd, "Cutover: ") || !strings.Contains(cd, "in 6 d ") { // the demo's cutover is in 7 days, on the hour
		t.Fatalf("countdown %q", cd)
	}
	if sf := onUI(s, func() string { return c.SafeFlip.Text }); !strings.HasPrefix(sf, "Earliest safe flip: ") || !strings.Contains(sf, " — in ") || !strings.Contains(sf, "final delta") {
		t.Fatalf("safe flip %q", sf)
	}
	// The countdown ticks once a second by itself: wait (bounded) for the next paint.
	deadline := time.Now().Add(5 * time.Second)
	for onUI(s, func() string { return c.Countdown.Text }) == cd {
		if time.Now().After(deadline) {
			t.Fatalf("the countdown did not move from %q", cd)
		}
		time.Sleep(50 * time.Millisecond) // real time is what is measured here
	}
}

func TestCutoverBlockerPreventsTickingALaterStep(t *testing.T) {
	s, a, c, id := openCutover(t, 0)
	if !strings.Contains(c.Blocker.Text, `"Change MX, Autodiscover and SPF; confirm propagation"`) ||
		!strings.Contains(c.Blocker.Text, "SPF includes the new host") || !strings.Contains(c.Blocker.Text, "can't be ticked") {
		t.Fatalf("blocker explanation %q", c.Blocker.Text)
	}
	delta := c.Rows["final-delta"]
	if !delta.Tick.Disabled() || !strings.Contains(delta.Problem.Text, "Waiting: ") {
		t.Fatalf("final delta tick disabled %v, problem %q", delta.Tick.Disabled(), delta.Problem.Text)
	}
	// Even if the button were reached, the engine refuses in plain words.
	c.tickStep("final-delta")
	s.WaitIdle()
	if !strings.Contains(delta.Problem.Text, "cannot be ticked yet") || delta.Problem.Hidden {
		t.Fatalf("refusal %q (hidden %v)", delta.Problem.Text, delta.Problem.Hidden)
	}
	// The live checks and step events repaint the rows every few seconds:
	// a repaint keeps the answer to the person's tick on show (it used to
	// put the "Waiting" line back over it, or hide it).
	s.Do(c.paintSteps)
	if got := onUI(s, func() string { return delta.Problem.Text }); !strings.Contains(got, "cannot be ticked yet") || delta.Problem.Hidden {
		t.Fatalf("after a repaint the refusal reads %q (hidden %v)", got, delta.Problem.Hidden)
	}
	steps, err := a.Checklist(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if st.ID == "final-delta" && st.Status != app.StatusTodo {
			t.Fatalf("final-delta was changed behind a blocker: %+v", st)
		}
	}
}

func TestCutoverOverrideNeedsAWrittenReasonAndIsAudited(t *testing.T) {
	s, a, c, id := openCutover(t, 0)
	mx := c.Rows["change-mx"]
	if !mx.Tick.Disabled() || !mx.Override.Visible() || mx.Override.Disabled() {
		t.Fatalf("a blocked step: tick disabled %v, override shown %v enabled %v", mx.Tick.Disabled(), mx.Override.Visible(), !mx.Override.Disabled())
	}
	test.Tap(mx.Override)
	test.Tap(c.OverrideConfirm)
	s.WaitIdle()
	if !strings.Contains(c.OverrideProblem.Text, "written reason") {
		t.Fatalf("empty reason: %q", c.OverrideProblem.Text)
	}
	if st := stepOf(t, a, id, "change-mx"); st.Status != app.StatusBlocked {
		t.Fatalf("refused override changed the step: %+v", st)
	}
	const reason = "The customer's web agency changes SPF and Autodiscover at noon"
	test.Type(c.OverrideReason, reason)
	test.Tap(c.OverrideConfirm)
	s.WaitIdle()
	if st := stepOf(t, a, id, "change-mx"); st.Status != app.StatusDone || !st.Override || st.By != "Tess Tester" {
		t.Fatalf("after the override: %+v (problem %q)", st, c.OverrideProblem.Text)
	}
	if !strings.Contains(mx.Info.Text, "overridden") || !strings.Contains(mx.Info.Text, reason) || c.Blocker.Text != "" {
		t.Fatalf("row %q, blocker %q", mx.Info.Text, c.Blocker.Text)
	}
	recs, _, err := a.Audit(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range recs {
		found = found || r.Kind == "step.overridden" && r.Subject == "change-mx" && r.Detail == reason && r.Actor == "Tess Tester"
	}
	if !found {
		t.Fatalf("no audit record of the override with its reason in %+v", recs)
	}
	// The flow goes on: the next step can be ticked now.
	delta := c.Rows["final-delta"]
	if delta.Tick.Disabled() {
		t.Fatalf("final delta still disabled: %q", delta.Problem.Text)
	}
	test.Tap(delta.Tick)
	s.WaitIdle()
	if st := stepOf(t, a, id, "final-delta"); st.Status != app.StatusDone {
		t.Fatalf("final delta after the override: %+v, %q", st, delta.Problem.Text)
	}
}

func TestCutoverLiveChecksRefreshAndStopWithTheScreen(t *testing.T) {
	s, a, c, id := openCutover(t, 50*time.Millisecond)
	for i := 0; i < 2; i++ {
		select {
		case <-c.refreshed:
		case <-time.After(20 * time.Second):
			t.Fatal("the live checks did not run again")
		}
	}
	hist, err := a.PropagationHistory(context.Background(), id)
	if err != nil || len(hist) < 3 {
		t.Fatalf("after two refreshes: %d polls, %v", len(hist), err)
	}
	s.Open("plan", id)
	select {
	case <-c.Stopped():
	case <-time.After(10 * time.Second):
		t.Fatal("the cutover screen's loops did not stop when the user left it")
	}
}

func TestCountdownWords(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(2*24*time.Hour + 3*time.Hour + 4*time.Minute + 5*time.Second), "in 2 d 03:04:05"},
		{now.Add(90 * time.Second), "in 00:01:30"},
		{now, "now"},
		{now.Add(-time.Hour), "reached 01:00:00 ago"},
	} {
		if got := countdown(now, tc.at); got != tc.want {
			t.Errorf("countdown to %v: %q, want %q", tc.at, got, tc.want)
		}
	}
}

func stepOf(t *testing.T, a *app.App, projectID, stepID string) app.Step {
	t.Helper()
	steps, err := a.Checklist(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if st.ID == stepID {
			return st
		}
	}
	t.Fatalf("no step %s", stepID)
	return app.Step{}
}
