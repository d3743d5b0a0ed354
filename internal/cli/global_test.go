package cli

import (
	"errors"
	"testing"
)

func TestParseGlobalReadsTheGUIOptions(t *testing.T) {
	g, rest, err := ParseGlobal([]string{"--data", "/d", "--demo", "--screen", "cutover"})
	if err != nil || len(rest) != 0 {
		t.Fatalf("ParseGlobal: %v %v", rest, err)
	}
	if g.DataDir != "/d" || !g.Demo || g.Screen != "cutover" {
		t.Fatalf("got %+v", g)
	}
	g, _, err = ParseGlobal([]string{"--screen=report"})
	if err != nil || g.Screen != "report" {
		t.Fatalf("--screen=: %+v %v", g, err)
	}
	if _, _, err := ParseGlobal([]string{"--screen"}); !errors.Is(err, ErrUsage) {
		t.Fatalf("--screen with no name: %v, want a usage error", err)
	}
}
