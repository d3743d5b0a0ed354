package views

import (
	"context"
	"testing"
)

// Every screen of the demo fits a 1024×700 window: no screen's minimum
// size forces the window wider or taller (the smallest layout).
func TestEveryScreenFits1024x700(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); stop(); cancel(); a.Close() })
	// Twice: the second time every screen shows what the others' checks
	// recorded (blocked steps, findings), as after a day of use.
	for _, id := range append(ScreenIDs(), ScreenIDs()...) {
		var w, h float32
		s.Do(func() {
			sc := s.Open(id, p.ID)
			m := sc.Content().MinSize()
			w, h = m.Width, m.Height
		})
		s.WaitIdle()
		s.Do(func() { m := s.Current().Content().MinSize(); w, h = max(w, m.Width), max(h, m.Height) })
		// The window adds the status line and the menu bar below 700.
		if w > 1024 || h > 620 {
			t.Errorf("screen %s needs at least %.0f×%.0f", id, w, h)
		}
	}
}
