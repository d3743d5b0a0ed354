package views

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Export from the Export tab: refused without a folder, a PST of one
// mailbox written with progress from the job, and a second export into
// the same folder refused in plain words (an export never overwrites).
func TestPhase2ExportWritesAPSTAndRefusesToOverwrite(t *testing.T) {
	s, a, p, m := openDemoMigrate(t)
	if _, err := a.Pull(context.Background(), p.ID, nil, 2, discardProgress{}); err != nil {
		t.Fatal(err)
	}
	m = openMigrate(s, p.ID)
	s.WaitIdle()
	e := m.Export
	if len(e.Mailboxes.Options) != 3 || len(e.Mailboxes.Selected) != 3 {
		t.Fatalf("mailboxes to export: %v ticked %v", e.Mailboxes.Options, e.Mailboxes.Selected)
	}
	tap(s, e.Start)
	if !strings.Contains(e.Problem.Text, "Choose the folder") {
		t.Fatalf("no folder: %q", e.Problem.Text)
	}
	const ann = "ann@demo-company.test"
	dir := t.TempDir()
	s.Do(func() { e.SetDir(dir) })
	s.Do(func() { e.SetFormat("pst") })
	s.Do(func() { e.Mailboxes.SetSelected([]string{ann}) })
	tap(s, e.Start)
	if !m.WaitFor(jobWait, func() bool { return strings.HasPrefix(e.State.Text, "Export done") || e.Problem.Text != "" }) {
		t.Fatalf("the export did not end within %s: %q", jobWait, e.State.Text)
	}
	s.WaitIdle()
	if e.Problem.Text != "" || e.Bar.Value != 1 || !strings.Contains(e.State.Text, "of 1 mailbox(es)") || e.Start.Disabled() {
		t.Fatalf("after the export: %q %q bar %v", e.State.Text, e.Problem.Text, e.Bar.Value)
	}
	st, err := os.Stat(filepath.Join(dir, ann+".pst"))
	if err != nil || st.Size() == 0 {
		t.Fatalf("the PST: %v", err)
	}
	if others, _ := filepath.Glob(filepath.Join(dir, "[bc]*")); len(others) != 0 {
		t.Fatalf("unticked mailboxes were exported: %v", others)
	}

	tap(s, e.Start)
	s.WaitIdle()
	if !strings.HasPrefix(e.Problem.Text, "Could not start the export: ") || !strings.Contains(e.Problem.Text, "already exists") ||
		!strings.Contains(e.Problem.Text, "never overwrites") {
		t.Fatalf("second export: %q", e.Problem.Text)
	}
	if st2, _ := os.Stat(filepath.Join(dir, ann+".pst")); st2.ModTime() != st.ModTime() || st2.Size() != st.Size() {
		t.Fatal("the refused export touched the file")
	}
}
