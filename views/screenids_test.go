package views

import "testing"

func TestScreenIDsNameEveryScreen(t *testing.T) {
	ids := ScreenIDs()
	if len(ids) != len(screenTable()) || !HasScreen("plan") || HasScreen("no-such-screen") {
		t.Fatalf("ScreenIDs %v; HasScreen(plan)=%v", ids, HasScreen("plan"))
	}
}
