package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// The demo migration runs from the Migration screen: Start, progress
// painted from events, a final report, then an offline verification.
func TestMigrateScreenRunsTheDemoPull(t *testing.T) {
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
	m := s.Open("migrate", p.ID).(*MigrateScreen)
	s.WaitIdle()
	test.Tap(m.StartPull)
	s.WaitIdle()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.HasPrefix(m.State.Text, "done") {
		if time.Now().After(deadline) {
			t.Fatalf("the pull did not finish: %q", m.State.Text)
		}
		time.Sleep(20 * time.Millisecond) // waiting for the engine, bounded
	}
	if m.Bar.Value != 1 || !strings.Contains(m.Counts.Text, "0 problem(s)") || m.StartPull.Disabled() {
		t.Fatalf("after the pull: bar %v, %q", m.Bar.Value, m.Counts.Text)
	}
	test.Tap(m.Verify)
	s.WaitIdle()
	if !strings.HasPrefix(m.VerifyResult.Text, "All ") || !strings.Contains(m.VerifyResult.Text, "messages of") {
		t.Fatalf("verify: %q", m.VerifyResult.Text)
	}
}
