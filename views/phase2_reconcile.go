package views

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/sync"
)

// ReconcileTab compares every mailbox and folder on the old host, in the
// local store and on the new host (in the background), and shows the
// counts, the differences with their reasons, and the verdict line.
type ReconcileTab struct {
	m *MigrateScreen

	Run, Verify     *widget.Button
	Verdict, Status *widget.Label
	VerifyResult    *widget.Label
	Table           *widget.Table
	rows            []reconcileRow
	content         fyne.CanvasObject
}

type reconcileRow struct {
	mailbox string
	f       sync.FolderReconcile
	err     string
}

var reconcileColumns = []column{{"Mailbox", 170}, {"Folder", 190}, {"Source", 75}, {"Local", 65}, {"New host", 90}, {"Matched", 85}, {"Missing", 80}, {"Extra", 65}, {"Skipped", 85}, {"Reasons", 320}}

func newReconcileTab(m *MigrateScreen) *ReconcileTab {
	t := &ReconcileTab{m: m}
	t.Run = widget.NewButtonWithIcon("Reconcile now", theme.ConfirmIcon(), t.run)
	t.Run.Importance = widget.HighImportance
	t.Verdict = widget.NewLabelWithStyle("Not reconciled yet.", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.Verdict.Wrapping = fyne.TextWrapWord
	t.Status = widget.NewLabel("Compares the old host, the local copy and the new host, message by message; nothing is changed on either server.")
	t.Status.Wrapping = fyne.TextWrapWord
	t.Table = newTextTable(reconcileColumns, func() int { return len(t.rows) }, func(r, c int) string { return t.CellText(r+1, c) })
	t.Verify = widget.NewButton("Verify local copy (offline)", t.verify)
	t.VerifyResult = widget.NewLabel("")
	t.VerifyResult.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(t.Verify, t.Run), t.Status), t.Verdict, t.VerifyResult, widget.NewSeparator())
	t.content = container.NewBorder(top, nil, nil, nil, t.Table)
	return t
}

type lastReconciliation struct {
	rec sync.Reconciliation
	ok  bool
}

// loadLast shows the newest kept reconciliation.
func (t *ReconcileTab) loadLast() {
	inBackground(t.m, func(ctx context.Context) (lastReconciliation, error) {
		rec, ok, err := t.m.shell.App.LastReconciliation(ctx, t.m.projectID)
		return lastReconciliation{rec, ok}, err
	}, func(l lastReconciliation, err error) {
		switch {
		case err != nil:
			t.Verdict.SetText(couldNot("read the last reconciliation", err))
		case l.ok:
			t.show(l.rec)
			t.Status.SetText("Last reconciled " + l.rec.At.Local().Format("2 Jan 15:04") + ". Run it again after every push.")
		}
	})
}

func (t *ReconcileTab) run() {
	t.Run.Disable()
	t.Status.SetText("Reconciling: reading every folder on the old and the new host…")
	pid := t.m.projectID
	inBackground(t.m, func(ctx context.Context) (sync.Reconciliation, error) {
		return t.m.shell.App.Reconcile(ctx, pid)
	}, func(rec sync.Reconciliation, err error) {
		t.Run.Enable()
		if err != nil {
			t.Status.SetText(couldNot("reconcile", err))
			return
		}
		t.Status.SetText("Reconciled " + rec.At.Local().Format("2 Jan 15:04") + "; kept for the report.")
		t.show(rec)
		t.m.Errors.load() // skipped and missing messages are listed there
	})
}

// verify checks every stored message against its hash, without a server.
func (t *ReconcileTab) verify() {
	t.Verify.Disable()
	t.VerifyResult.SetText("Verifying every stored message…")
	pid := t.m.projectID
	inBackground(t.m, func(ctx context.Context) (string, error) {
		v, err := t.m.shell.App.Verify(ctx, pid, nil)
		return v.Verdict(), err
	}, func(verdict string, err error) {
		t.Verify.Enable()
		if err != nil {
			t.VerifyResult.SetText(couldNot("verify the local copy", err))
			return
		}
		t.VerifyResult.SetText("Local copy: " + sentence(verdict))
	})
}

func (t *ReconcileTab) show(rec sync.Reconciliation) {
	t.rows = t.rows[:0]
	for _, m := range rec.Mailboxes {
		if m.Err != "" {
			t.rows = append(t.rows, reconcileRow{mailbox: m.Mailbox, err: m.Err})
		}
		for _, f := range m.Folders {
			t.rows = append(t.rows, reconcileRow{mailbox: m.Mailbox, f: f})
		}
	}
	t.Verdict.SetText(sentence(rec.Verdict()))
	t.Table.Refresh()
}

// CellText is one cell's text; row 0 is the header (tests).
func (t *ReconcileTab) CellText(row, col int) string {
	if row == 0 {
		return reconcileColumns[col].title
	}
	if row-1 >= len(t.rows) {
		return ""
	}
	r := t.rows[row-1]
	f := r.f
	if r.err != "" {
		switch col {
		case 0:
			return r.mailbox
		case 9:
			return "could not compare: " + r.err
		}
		return ""
	}
	switch col {
	case 0:
		return r.mailbox
	case 1:
		if f.Dest != "" && f.Dest != f.Source {
			return f.Source + " → " + f.Dest
		}
		return f.Source
	case 2:
		return fmt.Sprint(f.SourceMessages)
	case 3:
		return fmt.Sprint(f.Local)
	case 4:
		return fmt.Sprint(f.DestMessages)
	case 5:
		return fmt.Sprint(f.Matched)
	case 6:
		return fmt.Sprint(len(f.Missing))
	case 7:
		return fmt.Sprint(len(f.Extra))
	case 8:
		return fmt.Sprint(len(f.Skipped))
	case 9:
		return issueReasons(f)
	}
	return ""
}

// Rows is the number of folder lines (tests).
func (t *ReconcileTab) Rows() int { return len(t.rows) }

// issueReasons counts a folder's differences by reason, in words.
func issueReasons(f sync.FolderReconcile) string {
	n := map[string]int{}
	for _, list := range [][]sync.Issue{f.Missing, f.Skipped, f.Extra, f.Mismatched, f.FlagsDiffer} {
		for _, is := range list {
			n[is.Code]++
		}
	}
	var parts []string
	for code, k := range n {
		parts = append(parts, fmt.Sprintf("%d %s", k, reasonWords(code)))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
