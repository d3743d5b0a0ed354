package views

import (
	"context"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailshift/app"
)

func TestSignOffWhenGreenAndExportReport(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ctx := context.Background()
	a.CreateProject(ctx, app.NewProject{Name: "Acme", Domain: "acme.test"})
	r := s.Open("report", "acme").(*ReportScreen)
	s.WaitIdle()
	if !r.SignOff.Disabled() || !strings.Contains(r.OpenSteps.Text, "11 step(s) still open") {
		t.Fatalf("before: disabled=%v %q", r.SignOff.Disabled(), r.OpenSteps.Text)
	}
	for _, ph := range app.ThePlan {
		for _, st := range ph.Steps {
			if st.ID != "sign-off" {
				a.Tick(ctx, "acme", st.ID, "Tess", "", "")
			}
		}
	}
	r = s.Open("report", "acme").(*ReportScreen)
	s.WaitIdle()
	if r.SignOff.Disabled() {
		t.Fatal("sign-off still disabled with every step done")
	}
	test.Type(r.Customer, "Carla Customer")
	test.Tap(r.SignOff)
	s.WaitIdle()
	s.WaitIdle()
	if !strings.Contains(r.SignedOff.Text, "Signed off by Carla Customer") {
		t.Fatalf("after sign-off: %q / %q", r.SignedOff.Text, r.Result.Text)
	}
	dir := t.TempDir()
	r.ExportTo(dir)
	s.WaitIdle()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 || !strings.Contains(r.Result.Text, ".pdf") {
		t.Fatalf("export: %v %q", entries, r.Result.Text)
	}
}
