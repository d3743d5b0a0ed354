package views

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"mailshift/app"
	"mailshift/domain"
)

// "Find settings" looks up the old host from the domain typed in the form
// (the demo's DNS: SRV record and autoconfig), says why a candidate cannot
// be reached, and fills the Old host field with the one chosen; the list
// shows each project's phase and health.
func TestProjectsFindSettingsAndShowHealth(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ps := s.Current().(*ProjectsScreen)

	test.Tap(ps.Discover)
	s.WaitIdle()
	if !strings.Contains(ps.FormError.Text, "domain first") {
		t.Fatalf("no domain: %q", ps.FormError.Text)
	}
	test.Type(ps.Domain, domain.DemoDomain)
	test.Tap(ps.Discover)
	s.WaitIdle()
	if len(ps.Candidates) == 0 || ps.Candidates[0].URL != "imaps://imap.oldhost.test:993" || ps.Candidates[0].Problem == "" {
		t.Fatalf("candidates %+v (%q)", ps.Candidates, ps.FormError.Text)
	}
	ps.UseCandidate(0)
	if ps.Source.Text != "imaps://imap.oldhost.test:993" {
		t.Fatalf("old host field %q", ps.Source.Text)
	}

	test.Type(ps.Name, "Acme Dental")
	ps.Cutover.SetText("2030-01-10 18:00")
	test.Tap(ps.Create)
	s.WaitIdle()
	list := s.Open("projects", "").(*ProjectsScreen)
	s.WaitIdle()
	if len(list.Projects()) != 1 {
		t.Fatalf("%d projects", len(list.Projects()))
	}
	o := list.Projects()[0]
	line := projectStatus(o)
	if o.Health != app.HealthOK || !strings.HasPrefix(line, "Phase 1 · Account setup") || !strings.Contains(line, "cutover") || !strings.Contains(line, "steps done") {
		t.Fatalf("list line %q (%+v)", line, o.Health)
	}
}

// Tab walks the new-project form top to bottom, as it reads.
func TestNewProjectFormTabOrder(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ps := s.Current().(*ProjectsScreen)
	c := s.Window.Canvas()
	c.Focus(ps.Name)
	want := []fyne.Focusable{ps.Domain, ps.Source, ps.Discover, ps.Dest, ps.Profile, ps.Cutover, ps.Create}
	for i, w := range want {
		c.FocusNext()
		if c.Focused() != w {
			t.Fatalf("tab %d focused %T, want %T", i+1, c.Focused(), w)
		}
	}
}
