package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mailshift/app"
	"mailshift/store"
	"mailshift/sync"
)

// discardProgress is a ProgressSink for engine calls made by the test.
type discardProgress struct{}

func (discardProgress) Update(func(*app.Progress)) {}

// The mapping editor: an unpulled mailbox's mapping says what to do; a
// rename and an exclusion are saved and seen again on a reopened screen;
// an empty name is refused in plain words. After push and reconciliation
// the excluded folder's messages are listed on the Errors tab as skipped
// (no retry), and the verdict counts them apart.
func TestPhase2MappingEditPersistsAndSkippedAreListed(t *testing.T) {
	s, _, p, m := openDemoMigrate(t)
	const ann = "ann@demo-company.test"
	mt := m.Mapping
	if mt.Mailbox.Selected != ann || !strings.HasPrefix(mt.Notes.Text, "Could not work out the folder mapping of "+ann) || !strings.Contains(mt.Notes.Text, "pull it first") {
		t.Fatalf("mapping before a pull: %q / %q", mt.Mailbox.Selected, mt.Notes.Text)
	}
	runJob(t, s, m, "pull", m.Dashboard.Pull) // the mapping is shown again when the pull ends
	if len(mt.Folders()) < 8 || !strings.Contains(mt.Notes.Text, "folders.") {
		t.Fatalf("mapping after the pull: %d folders, %q", len(mt.Folders()), mt.Notes.Text)
	}
	s.Do(func() { mt.SelectFolder("Projects/Übersee") })
	s.Do(func() { mt.DestName.SetText("  ") })
	tap(s, mt.Rename)
	if !strings.Contains(mt.Problem.Text, "Type the destination folder's name first") {
		t.Fatalf("empty name: %q", mt.Problem.Text)
	}
	s.Do(func() { mt.DestName.SetText("Overseas") })
	tap(s, mt.Rename)
	s.WaitIdle()
	s.Do(func() { mt.SelectFolder("Junk") })
	tap(s, mt.Exclude)
	s.WaitIdle()
	if mt.Problem.Text != "" {
		t.Fatalf("saving: %q", mt.Problem.Text)
	}

	// Reopen: the choices were saved.
	m = openMigrate(s, p.ID)
	s.WaitIdle()
	mt = m.Mapping
	var renamed, junk sync.FolderMap
	for _, f := range mt.Folders() {
		switch f.Source {
		case "Projects/Übersee":
			renamed = f
		case "Junk":
			junk = f
		}
	}
	if renamed.Dest != "Overseas" || changeWord(renamed) != "your choice" || !junk.Excluded || destWords(junk) != "(excluded)" {
		t.Fatalf("after reopening: %+v / %+v", renamed, junk)
	}
	s.Do(func() { mt.SelectFolder("Junk") })
	if mt.Exclude.Disabled() == false || mt.Auto.Disabled() {
		t.Fatal("an excluded folder can be excluded again or not returned to automatic")
	}

	if j := runJob(t, s, m, "push", m.Dashboard.Push); j.State != app.JobDone {
		t.Fatalf("push: %s %s", j.State, j.Message)
	}
	tap(s, m.Reconcile.Run)
	s.WaitIdle()
	fs := m.Errors.Failures()
	if len(fs) != 3 || !m.Errors.Retry.Disabled() || !strings.Contains(m.Errors.Summary.Text, "3 message(s) not on the new host, none that a retry would send") {
		t.Fatalf("errors after excluding Junk: %d, %q", len(fs), m.Errors.Summary.Text)
	}
	for r := 1; r <= len(fs); r++ {
		if m.Errors.CellText(r, 0) != ann || m.Errors.CellText(r, 1) != "Junk" || m.Errors.CellText(r, 2) == "" ||
			m.Errors.CellText(r, 4) != "folder excluded by you (excluded-folder)" {
			t.Fatalf("error row %d: %q %q %q %q", r, m.Errors.CellText(r, 0), m.Errors.CellText(r, 1), m.Errors.CellText(r, 2), m.Errors.CellText(r, 4))
		}
	}
	if v := m.Reconcile.Verdict.Text; !strings.HasPrefix(v, "All ") || !strings.Contains(v, "messages are on the destination (3 skipped on purpose") {
		t.Fatalf("verdict %q", v)
	}
	var overseas bool
	for r := 1; r <= m.Reconcile.Rows(); r++ {
		overseas = overseas || m.Reconcile.CellText(r, 1) == "Projects/Übersee → Overseas"
	}
	if !overseas {
		t.Fatal("the reconciliation does not show the renamed folder")
	}
}

// A refusal in the push journal (as the push records a server's NO) is
// listed with its reason and the server's words; Retry failed pushes
// again and the list is empty afterwards (the push resends refused
// messages, here finding it already on the new host).
func TestPhase2RetryFailedClearsARefusal(t *testing.T) {
	s, a, p, m := openDemoMigrate(t)
	runJob(t, s, m, "pull", m.Dashboard.Pull)
	runJob(t, s, m, "push", m.Dashboard.Push)
	if len(m.Errors.Failures()) != 0 {
		t.Fatalf("failures after a clean push: %+v", m.Errors.Failures())
	}
	const bob = "bob@demo-company.test"
	db := a.Store()
	box := store.BoxKey{ProjectID: p.ID, MailboxID: bob}
	states, _ := db.FolderStates(box)
	var first store.MessageRecord
	db.ForEachMessage(box, "INBOX", states["INBOX"].UIDValidity, func(r store.MessageRecord) error {
		if first.UID == 0 {
			first = r
		}
		return nil
	})
	refused := store.PushRecord{State: store.PushFailed, Reason: sync.CodeRejected, Text: "NO [CANNOT] refused by policy",
		Size: first.Size, MessageID: first.MessageID, SourceUID: first.UID, At: time.Now().UTC()}
	if err := db.RecordPush(p.ID, bob, "INBOX", nil, map[store.PushKey]store.PushRecord{{Hash: first.Hash}: refused}); err != nil {
		t.Fatal(err)
	}
	tap(s, m.Errors.Refresh)
	s.WaitIdle()
	e := m.Errors
	if len(e.Failures()) != 1 || e.Retry.Disabled() || e.CellText(1, 4) != "refused by the new host (rejected)" || e.CellText(1, 5) != refused.Text ||
		e.CellText(1, 3) != fmt.Sprintf("%.0f", float64(first.Size)/1024) || !strings.Contains(e.Summary.Text, "Retry failed sends 1 of them again") {
		t.Fatalf("the refusal: %+v %q", e.Failures(), e.Summary.Text)
	}
	if row := m.Dashboard.Rows(); len(row) != 3 {
		t.Fatalf("dashboard rows %v", row)
	}
	if j := runJob(t, s, m, "push", e.Retry); j.State != app.JobDone || j.Mailbox != bob {
		t.Fatalf("retry push: %+v", j)
	}
	if len(e.Failures()) != 0 || !strings.HasPrefix(e.Summary.Text, "No failed messages") {
		t.Fatalf("after the retry: %+v %q", e.Failures(), e.Summary.Text)
	}
}
