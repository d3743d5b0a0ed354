package views

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/domain"
)

// FindingDetail is the panel beside the findings list: the selected
// finding in full, what to do, and its evidence behind an expander.
type FindingDetail struct {
	Severity *widget.Label
	Summary  *widget.Label
	Action   *widget.Label
	Evidence *widget.Accordion
	evidence *widget.Label
	lines    *fyne.Container // the panel's column, re-laid out when the evidence shows or hides
	box      fyne.CanvasObject
}

func newFindingDetail() *FindingDetail {
	f := &FindingDetail{
		Severity: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		Summary:  widget.NewLabel("Select a finding to see it in full."),
		Action:   widget.NewLabel(""),
		evidence: widget.NewLabel(""),
	}
	for _, l := range []*widget.Label{f.Summary, f.Action, f.evidence} {
		l.Wrapping = fyne.TextWrapWord
	}
	f.evidence.TextStyle.Monospace = true
	f.Evidence = widget.NewAccordion(widget.NewAccordionItem("Evidence", f.evidence))
	f.Evidence.Hide()
	f.lines = container.NewVBox(f.Severity, f.Summary, f.Action, f.Evidence)
	f.box = container.NewVScroll(f.lines)
	return f
}

// Show puts a finding in the panel (nil clears it). The evidence starts
// folded; its title says how many facts it holds.
func (f *FindingDetail) Show(fd *domain.Finding) {
	if fd == nil {
		f.Severity.SetText("")
		f.Summary.SetText("Select a finding to see it in full.")
		f.Action.SetText("")
		f.Evidence.Hide()
		f.lines.Refresh()
		return
	}
	f.Severity.SetText(severityWord(fd.Severity) + " · " + fd.Check)
	f.Severity.Importance = severityImportance(fd.Severity)
	f.Severity.Refresh()
	f.Summary.SetText(fd.Summary)
	f.Action.SetText(actionText(*fd))
	lines := make([]string, len(fd.Evidence))
	for i, e := range fd.Evidence {
		lines[i] = e.String()
	}
	f.evidence.SetText(strings.Join(lines, "\n"))
	f.Evidence.Items[0].Title = fmt.Sprintf("Evidence (%d)", len(fd.Evidence))
	f.Evidence.CloseAll()
	if len(fd.Evidence) == 0 {
		f.Evidence.Hide()
	} else {
		f.Evidence.Show()
	}
	f.Evidence.Refresh()
	f.lines.Refresh()
}

// EvidenceText is the unfolded evidence, one fact a line (tests).
func (f *FindingDetail) EvidenceText() string { return f.evidence.Text }

// buildFindings makes the virtualised findings list and the detail panel.
func (d *DomainScreen) buildFindings() fyne.CanvasObject {
	d.Detail = newFindingDetail()
	d.Findings = widget.NewList(func() int { return len(d.findings) },
		func() fyne.CanvasObject {
			sev := widget.NewLabelWithStyle("WARNING", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			summary := widget.NewLabel("summary")
			summary.Truncation = fyne.TextTruncateEllipsis
			action := widget.NewLabel("what to do")
			action.Truncation = fyne.TextTruncateEllipsis
			action.Importance = widget.LowImportance
			left := container.NewHBox(widget.NewIcon(theme.InfoIcon()), sev)
			return container.NewBorder(nil, nil, left, nil, container.NewVBox(summary, action))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			f := d.findings[i]
			row := o.(*fyne.Container)
			lines := row.Objects[0].(*fyne.Container).Objects
			left := row.Objects[1].(*fyne.Container).Objects
			left[0].(*widget.Icon).SetResource(severityIcon(f.Severity))
			sev := left[1].(*widget.Label)
			sev.Importance = severityImportance(f.Severity)
			sev.SetText(severityWord(f.Severity))
			lines[0].(*widget.Label).SetText(f.Summary)
			lines[1].(*widget.Label).SetText(actionText(f))
		})
	d.Findings.OnSelected = func(i widget.ListItemID) {
		if i < 0 || i >= len(d.findings) {
			return
		}
		d.selected = i
		d.Detail.Show(&d.findings[i])
	}
	split := container.NewHSplit(d.Findings, d.Detail.box)
	split.Offset = 0.58
	return split
}

// FindingRow is the text a findings row shows: severity, summary, what to
// do (tests).
func (d *DomainScreen) FindingRow(i int) (severity, summary, action string) {
	f := d.findings[i]
	return severityWord(f.Severity), f.Summary, actionText(f)
}

// sortedFindings copies fs with blockers first, then warnings, checks
// that did not run, info, ok.
func sortedFindings(fs []domain.Finding) []domain.Finding {
	out := append([]domain.Finding(nil), fs...)
	domain.Sort(out)
	return out
}

func actionText(f domain.Finding) string {
	switch {
	case f.Action != "":
		return "What to do: " + f.Action
	case f.Severity == domain.SeverityNotRun:
		return "What to do: run the check again when the internet connection works."
	}
	return "Nothing to do."
}

// severityWord is how a severity reads in a row; a check that did not run
// says so and is never shown as passed.
func severityWord(s domain.Severity) string {
	switch s {
	case domain.SeverityNotRun:
		return "NOT RUN"
	case domain.SeverityOK:
		return "OK"
	case domain.SeverityInfo:
		return "INFO"
	}
	return s.Label()
}

func severityImportance(s domain.Severity) widget.Importance {
	switch s {
	case domain.SeverityBlocker:
		return widget.DangerImportance
	case domain.SeverityWarning:
		return widget.WarningImportance
	case domain.SeverityOK:
		return widget.SuccessImportance
	}
	return widget.MediumImportance // not run and info: neutral, never green
}

func severityIcon(s domain.Severity) fyne.Resource {
	switch s {
	case domain.SeverityBlocker:
		return theme.ErrorIcon()
	case domain.SeverityWarning:
		return theme.WarningIcon()
	case domain.SeverityNotRun:
		return theme.QuestionIcon()
	case domain.SeverityOK:
		return theme.ConfirmIcon()
	}
	return theme.InfoIcon()
}

// reportVerdict is the status line after a check.
func reportVerdict(r domain.Report) string {
	if r.At.IsZero() {
		return "The domain has not been checked yet: press Check domain."
	}
	notRun := r.Count(domain.SeverityNotRun)
	if notRun == len(r.Findings) {
		return fmt.Sprintf("None of the %d checks could run (offline?): nothing is proven yet. Check the internet connection and press Check domain again.", notRun)
	}
	b, w := r.Count(domain.SeverityBlocker), r.Count(domain.SeverityWarning)
	text := fmt.Sprintf("%d blocker(s), %d warning(s)", b, w)
	if notRun > 0 {
		text += fmt.Sprintf(", %d check(s) not run", notRun)
	}
	switch {
	case b > 0:
		text += ": the cutover must wait until every blocker is fixed."
	case w > 0 || notRun > 0:
		text += ": no blocker; read the warnings before the cutover."
	default:
		text += ": the domain is ready."
	}
	return text
}

// historyLine says when the shown check ran and how it compares with the
// one before.
func historyLine(last domain.Report, prev *domain.Report) string {
	if last.At.IsZero() {
		return ""
	}
	text := "Last check: " + last.At.Local().Format("Mon 2 Jan 15:04:05") + "."
	if prev == nil {
		return text + " No earlier check to compare with."
	}
	text += fmt.Sprintf(" Previous: %s (%d blocker(s), %d warning(s), %d not run).",
		prev.At.Local().Format("Mon 2 Jan 15:04:05"), prev.Count(domain.SeverityBlocker), prev.Count(domain.SeverityWarning), prev.Count(domain.SeverityNotRun))
	fixed, added := problemDiff(*prev, last)
	switch {
	case fixed == 0 && added == 0:
		text += " No problem fixed or added since."
	default:
		text += fmt.Sprintf(" Since then: %d problem(s) fixed, %d new.", fixed, added)
	}
	return text
}

// problemDiff counts the blockers and warnings (by check and severity)
// gone from prev and new in last.
func problemDiff(prev, last domain.Report) (fixed, added int) {
	count := func(r domain.Report) map[string]int {
		m := map[string]int{}
		for _, f := range r.Findings {
			if f.Severity == domain.SeverityBlocker || f.Severity == domain.SeverityWarning {
				m[f.Check+"|"+string(f.Severity)]++
			}
		}
		return m
	}
	p, l := count(prev), count(last)
	for k, n := range p {
		fixed += max(n-l[k], 0)
	}
	for k, n := range l {
		added += max(n-p[k], 0)
	}
	return fixed, added
}
