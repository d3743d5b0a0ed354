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
	"mailshift/export/report"
)

// ReportScreen is the sign-off: what is still open, the customer's
// sign-off once everything is green, and the report export.
type ReportScreen struct {
	shell     *Shell
	projectID string
	report    report.Report
	open      []app.Step

	Verdict, OpenSteps, SignedOff *widget.Label
	Customer, Note                *widget.Entry
	SignOff, Export               *widget.Button
	Result                        *widget.Label
	content                       fyne.CanvasObject
}

// NewReportScreen builds the sign-off screen for a project.
func NewReportScreen(s *Shell, projectID string) *ReportScreen {
	r := &ReportScreen{shell: s, projectID: projectID}
	r.Verdict = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.Verdict.Wrapping = fyne.TextWrapWord
	r.OpenSteps = widget.NewLabel("")
	r.OpenSteps.Wrapping = fyne.TextWrapWord
	r.SignedOff = widget.NewLabel("")
	r.Customer = entry("The customer's full name")
	r.Note = entry("Note (optional)")
	r.SignOff = widget.NewButtonWithIcon("Sign off", theme.ConfirmIcon(), r.signOff)
	r.SignOff.Importance = widget.HighImportance
	r.Export = widget.NewButtonWithIcon("Export report (HTML and PDF)", theme.DocumentSaveIcon(), func() { r.ExportTo("") })
	r.Result = widget.NewLabel("")
	r.Result.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(widget.NewFormItem("Customer", r.Customer), widget.NewFormItem("Note", r.Note))
	body := container.NewVScroll(container.NewVBox(r.Verdict, r.OpenSteps, widget.NewSeparator(),
		widget.NewLabelWithStyle("Customer sign-off", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		r.SignedOff, form, r.SignOff, widget.NewSeparator(), r.Export, r.Result))
	r.content = projectFrame(s, projectID, "report", widget.NewLabelWithStyle("Sign-off and report", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), body)
	return r
}

func (r *ReportScreen) Title() string              { return "Report" }
func (r *ReportScreen) Content() fyne.CanvasObject { return r.content }

// Start loads the report's data.
func (r *ReportScreen) Start(ctx context.Context) { r.reload() }

func (r *ReportScreen) reload() {
	type loaded struct {
		rep  report.Report
		open []app.Step
	}
	Background(r.shell, func(ctx context.Context) (loaded, error) {
		rep, err := r.shell.App.BuildReport(ctx, r.projectID)
		if err != nil {
			return loaded{}, err
		}
		open, err := r.shell.App.NotGreen(ctx, r.projectID)
		return loaded{rep, open}, err
	}, func(l loaded) {
		r.report, r.open = l.rep, l.open
		r.Verdict.SetText(l.rep.Verdict())
		if len(l.open) == 0 {
			r.OpenSteps.SetText("Every step is done.")
		} else {
			var lines []string
			for _, s := range l.open {
				lines = append(lines, fmt.Sprintf("• %s (%s, %s)", s.Title, s.Owner, s.Status))
			}
			r.OpenSteps.SetText(fmt.Sprintf("%d step(s) still open — sign-off waits for them:\n%s", len(l.open), strings.Join(lines, "\n")))
		}
		if so := l.rep.SignOff; so != nil {
			r.SignedOff.SetText(fmt.Sprintf("Signed off by %s on %s.", so.Customer, so.At.Local().Format("Mon 2 Jan 2006 15:04")))
			r.SignOff.Disable()
		} else if len(l.open) > 0 {
			r.SignedOff.SetText("Not signed off yet.")
			r.SignOff.Disable()
		} else {
			r.SignedOff.SetText("Ready for the customer's sign-off.")
			r.SignOff.Enable()
		}
	})
}

func (r *ReportScreen) signOff() {
	customer, note := r.Customer.Text, r.Note.Text
	Background(r.shell, func(ctx context.Context) (error, error) {
		return r.shell.App.SignOff(ctx, r.projectID, customer, r.shell.Actor, note), nil
	}, func(err error) {
		if err != nil {
			r.Result.SetText(sentence(err.Error()))
			return
		}
		r.Result.SetText("Signed off. Export the report for the customer's records.")
		r.reload()
	})
}

// ExportTo writes the report into dir ("" = the data folder's reports).
func (r *ReportScreen) ExportTo(dir string) {
	r.Export.Disable()
	r.Result.SetText("Writing the report…")
	type result struct {
		html, pdf string
		err       error
	}
	Background(r.shell, func(ctx context.Context) (result, error) {
		h, p, err := r.shell.App.ExportReport(ctx, r.projectID, dir, r.shell.Actor)
		return result{h, p, err}, nil
	}, func(res result) {
		r.Export.Enable()
		if res.err != nil {
			r.Result.SetText("The report was not written: " + sentence(res.err.Error()))
			return
		}
		r.Result.SetText("Report written:\n" + res.pdf + "\n" + res.html)
		dialog.ShowInformation("Report written", "The report is in:\n"+res.pdf, r.shell.Window)
	})
}
