package views

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestSettingsSaveAndValidate(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	st := s.Open("settings", "").(*SettingsScreen)
	s.WaitIdle()
	test.Type(st.Resolvers, "dns.google")
	test.Tap(st.Save)
	s.WaitIdle()
	if !strings.Contains(st.Message.Text, "not an IP address") {
		t.Fatalf("bad resolver: %q", st.Message.Text)
	}
	st.Resolvers.SetText("9.9.9.9\n1.1.1.1")
	st.Actor.SetText("Tess Tester")
	st.MaxConn.SetText("6")
	st.Appearance.SetSelected("Dark")
	test.Tap(st.Save)
	s.WaitIdle()
	got, _ := a.Settings(context.Background())
	if st.Message.Text != "Saved." || got.MaxConnections != 6 || len(got.Resolvers) != 2 || got.Actor != "Tess Tester" {
		t.Fatalf("%q %+v", st.Message.Text, got)
	}
	// The choice is saved and applied at once: the app paints dark even
	// when asked for its light colours (the system's variant).
	dark := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	if got.Appearance != AppearanceDark || fyne.CurrentApp().Settings().Theme().Color(theme.ColorNameBackground, theme.VariantLight) != dark {
		t.Fatalf("appearance %q not applied", got.Appearance)
	}
	st2 := s.Open("settings", "").(*SettingsScreen)
	s.WaitIdle()
	if st2.Appearance.Selected != "Dark" {
		t.Fatalf("reopened settings show %q", st2.Appearance.Selected)
	}
	ApplyAppearance(AppearanceSystem)
	if !strings.Contains(st.Secrets.Text, "Locked") {
		t.Fatalf("secrets: %q", st.Secrets.Text)
	}
	s.AskPassphrase = func(_ string, answer func([]byte, bool)) { answer([]byte("pass phrase"), true) }
	test.Tap(st.Unlock)
	s.WaitIdle()
	if !strings.Contains(st.Secrets.Text, "Unlocked") {
		t.Fatalf("after unlock: %q", st.Secrets.Text)
	}
}
