package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// exportFormats are the choices, in words, and the format each names.
var exportFormats = []struct{ label, format string }{
	{"PST (Outlook)", "pst"}, {"mbox (Thunderbird, Apple Mail)", "mbox"}, {"eml (one file per message)", "eml"},
}

// ExportTab writes mailboxes of the local store to PST, mbox or eml files
// in a folder the user picks, as a background job with progress. An
// export never overwrites: a file in the way is refused in plain words.
type ExportTab struct {
	m *MigrateScreen

	Format         *widget.Select
	Dir            *widget.Label
	Choose, Start  *widget.Button
	Mailboxes      *widget.CheckGroup
	Bar            *widget.ProgressBar
	State, Problem *widget.Label
	dir            string
	expected       int64 // messages the export should write (for the bar)
	content        fyne.CanvasObject
}

func newExportTab(m *MigrateScreen) *ExportTab {
	t := &ExportTab{m: m}
	var labels []string
	for _, f := range exportFormats {
		labels = append(labels, f.label)
	}
	t.Format = widget.NewSelect(labels, nil)
	t.Format.SetSelected(labels[0])
	t.Dir = widget.NewLabel("No folder chosen")
	t.Choose = widget.NewButtonWithIcon("Choose folder…", theme.FolderOpenIcon(), func() {
		dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
			if err != nil {
				t.Problem.SetText(couldNot("open the folder", err))
				return
			}
			if u != nil {
				t.SetDir(u.Path())
			}
		}, m.shell.Window).Show()
	})
	t.Mailboxes = widget.NewCheckGroup(nil, nil)
	t.Start = widget.NewButtonWithIcon("Export", theme.DocumentSaveIcon(), t.start)
	t.Start.Importance = widget.HighImportance
	t.Bar = widget.NewProgressBar()
	t.Bar.Hide() // until an export runs
	t.State, t.Problem = widget.NewLabel(""), widget.NewLabel("")
	t.State.Wrapping, t.Problem.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	t.Problem.Importance = widget.DangerImportance
	form := widget.NewForm(
		widget.NewFormItem("Format", t.Format),
		widget.NewFormItem("Into folder", container.NewBorder(nil, nil, nil, t.Choose, t.Dir)),
		widget.NewFormItem("Mailboxes", t.Mailboxes))
	body := container.NewVBox(
		widget.NewLabel("Export the local copy (one file or folder per mailbox, named after its address). Folders you excluded are left out."),
		form, t.Start, t.Bar, t.State, t.Problem)
	t.content = container.NewVScroll(body)
	return t
}

// SetDir chooses the output folder (the folder dialog calls it; tests too).
func (t *ExportTab) SetDir(dir string) {
	t.dir = dir
	t.Dir.SetText(dir)
	t.Problem.SetText("")
}

// setMailboxes lists the project's mailboxes, all ticked (UI goroutine).
func (t *ExportTab) setMailboxes(mbs []store.Mailbox) {
	var ids []string
	for _, mb := range mbs {
		ids = append(ids, mb.ID)
	}
	t.Mailboxes.Options = ids
	t.Mailboxes.SetSelected(ids)
}

// SetFormat chooses the format by name: "pst", "mbox" or "eml" (tests).
func (t *ExportTab) SetFormat(format string) {
	for _, f := range exportFormats {
		if f.format == format {
			t.Format.SetSelected(f.label)
		}
	}
}

func (t *ExportTab) format() string {
	for _, f := range exportFormats {
		if f.label == t.Format.Selected {
			return f.format
		}
	}
	return ""
}

func (t *ExportTab) start() {
	if t.dir == "" {
		t.Problem.SetText("Choose the folder the export goes into first.")
		return
	}
	if len(t.Mailboxes.Selected) == 0 {
		t.Problem.SetText("Tick at least one mailbox to export.")
		return
	}
	req := app.ExportRequest{MailboxIDs: append([]string(nil), t.Mailboxes.Selected...), Format: t.format(), Dir: t.dir}
	t.expected = 0
	for _, r := range t.m.Dashboard.rows {
		for _, id := range req.MailboxIDs {
			if r.c.Mailbox == id {
				t.expected += int64(r.c.Local - r.c.Excluded)
			}
		}
	}
	t.Problem.SetText("")
	t.Start.Disable()
	pid := t.m.projectID
	inBackground(t.m, func(context.Context) (struct{}, error) {
		return struct{}{}, t.m.shell.App.StartExport(context.Background(), pid, req)
	}, func(_ struct{}, err error) {
		if err != nil {
			t.Start.Enable()
			t.Problem.SetText(couldNot("start the export", err))
		}
	})
}

// showJob paints the export job's progress (UI goroutine).
func (t *ExportTab) showJob(j app.JobInfo) {
	p := j.Progress
	t.Bar.Show()
	switch {
	case j.State == app.JobDone:
		t.Bar.SetValue(1)
	case t.expected > 0:
		t.Bar.SetValue(min(1, float64(p.Done)/float64(t.expected)))
	}
	setEnabled(t.Start, j.State != app.JobRunning)
	if j.State == app.JobRunning {
		t.State.SetText(strings.TrimSpace(fmt.Sprintf("%s %s — %d messages, %.1f MB written", p.Phase, p.Detail, p.Done, mb(p.Bytes))))
		return
	}
	if j.State == app.JobFailed {
		t.State.SetText("")
		t.Problem.SetText(couldNot("finish the export", fmt.Errorf("%s", j.Message)))
		return
	}
	t.State.SetText(sentence(fmt.Sprintf("export %s: %s", j.State, j.Message)))
}
