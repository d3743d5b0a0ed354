package views

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

func openShell(t *testing.T, dir string) (*Shell, *app.App) {
	t.Helper()
	a, err := app.Open(context.Background(), dir, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1024, 700))
	s := NewShell(a, w)
	s.Actor = "Tess Tester"
	s.NoKeychain = true // never the developer's real keychain
	s.WaitIdle()
	return s, a
}

func TestCreateProjectTickStepAndSeeItAfterReopen(t *testing.T) {
	dir := t.TempDir()
	s, a := openShell(t, dir)
	ps := s.Current().(*ProjectsScreen)

	// A bad form says what to fix and creates nothing.
	test.Type(ps.Name, "Acme Dental")
	test.Type(ps.Source, "imap://mail.oldhost.test")
	test.Tap(ps.Create)
	s.WaitIdle()
	if !strings.Contains(ps.FormError.Text, "unencrypted") {
		t.Fatalf("form error %q", ps.FormError.Text)
	}
	ps.Source.SetText("")
	test.Type(ps.Source, "imaps://mail.oldhost.test")
	test.Type(ps.Domain, "acme-dental.test")
	test.Tap(ps.Create)
	s.WaitIdle()

	plan, ok := s.Current().(*PlanScreen)
	if !ok {
		t.Fatalf("after create the screen is %T", s.Current())
	}
	s.WaitIdle()
	if plan.Header.Text != "Acme Dental — acme-dental.test" {
		t.Fatalf("header %q", plan.Header.Text)
	}
	test.Tap(plan.Rows["agree-terms"].Button)
	test.Type(plan.Note, "signed on the phone")
	test.Tap(plan.Tick)
	s.WaitIdle()
	if !strings.Contains(plan.Rows["agree-terms"].Info.Text, "done") || plan.Untick.Disabled() {
		t.Fatalf("row after tick: %q", plan.Rows["agree-terms"].Info.Text)
	}
	// Un-ticking without a reason is refused in plain words.
	test.Tap(plan.Untick)
	s.WaitIdle()
	if !strings.Contains(plan.Problem.Text, "reason is required") {
		t.Fatalf("problem %q", plan.Problem.Text)
	}
	s.Close()
	a.Close()

	// Reopen the store: the tick is there, and the plan screen shows it.
	s2, a2 := openShell(t, dir)
	defer a2.Close()
	defer s2.Close()
	steps, err := a2.Checklist(context.Background(), "acme-dental")
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].ID != "agree-terms" || steps[0].Status != app.StatusDone || steps[0].By != "Tess Tester" || steps[0].Note != "signed on the phone" {
		t.Fatalf("persisted step: %+v", steps[0])
	}
	list := s2.Current().(*ProjectsScreen)
	if len(list.Projects()) != 1 {
		t.Fatalf("%d projects listed", len(list.Projects()))
	}
	list.List.Select(0)
	s2.WaitIdle()
	plan2 := s2.Current().(*PlanScreen)
	s2.WaitIdle()
	if !strings.Contains(plan2.Rows["agree-terms"].Info.Text, "done") {
		t.Fatalf("reopened row %q", plan2.Rows["agree-terms"].Info.Text)
	}
}

func TestUntickWithReasonAndActivityLog(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	if _, err := a.CreateProject(context.Background(), app.NewProject{Name: "P", Domain: "p.test"}); err != nil {
		t.Fatal(err)
	}
	plan := s.Open("plan", "p").(*PlanScreen)
	s.WaitIdle()
	plan.Select("test-logins")
	test.Tap(plan.Tick)
	s.WaitIdle()
	test.Type(plan.Reason, "wrong mailbox tested")
	test.Tap(plan.Untick)
	s.WaitIdle()
	if plan.steps["test-logins"].Status != app.StatusTodo || !strings.Contains(plan.StepInfo.Text, "wrong mailbox tested") {
		t.Fatalf("after untick: %+v / %q", plan.steps["test-logins"], plan.StepInfo.Text)
	}
	act := s.Open("activity", "p").(*ActivityScreen)
	s.WaitIdle()
	if len(act.records) != 3 || !strings.Contains(act.Chain.Text, "hash chain intact") {
		t.Fatalf("activity: %d records, %q", len(act.records), act.Chain.Text)
	}
}

func cellID(row, col int) widget.TableCellID { return widget.TableCellID{Row: row, Col: col} }
