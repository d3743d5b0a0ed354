package views

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"mailshift/store"
)

// ActivityScreen shows a project's audit log, newest first, and whether its
// hash chain is intact.
type ActivityScreen struct {
	shell     *Shell
	projectID string
	records   []store.AuditRecord

	List  *widget.List
	Chain *widget.Label

	content fyne.CanvasObject
}

// NewActivityScreen builds the screen for a project.
func NewActivityScreen(s *Shell, projectID string) *ActivityScreen {
	a := &ActivityScreen{shell: s, projectID: projectID}
	a.List = widget.NewList(func() int { return len(a.records) },
		func() fyne.CanvasObject { return widget.NewLabel("2006-01-02 15:04  someone  step.ticked  subject") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := a.records[len(a.records)-1-i]
			line := fmt.Sprintf("%s   %s   %s   %s", r.At.Local().Format("2006-01-02 15:04:05"), r.Actor, r.Kind, r.Subject)
			if r.Detail != "" {
				line += " — " + r.Detail
			}
			o.(*widget.Label).SetText(line)
		})
	a.Chain = widget.NewLabel("")
	a.content = projectFrame(s, projectID, "activity", a.Chain, a.List)
	return a
}

func (a *ActivityScreen) Title() string              { return "Activity" }
func (a *ActivityScreen) Content() fyne.CanvasObject { return a.content }

// Start loads and verifies the log.
func (a *ActivityScreen) Start(ctx context.Context) {
	type loaded struct {
		recs []store.AuditRecord
		head string
		err  error
	}
	Background(a.shell, func(ctx context.Context) (loaded, error) {
		recs, head, err := a.shell.App.Audit(ctx, a.projectID)
		return loaded{recs, head, err}, nil
	}, func(l loaded) {
		a.records = l.recs
		a.List.Refresh()
		if l.err != nil {
			a.Chain.SetText("The log does not verify: " + l.err.Error())
			a.Chain.Importance = widget.DangerImportance
			return
		}
		a.Chain.SetText(fmt.Sprintf("%d entries · hash chain intact · head %.16s…", len(l.recs), l.head))
	})
}
