package views

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/domain"
)

// buildTiming makes the TTL advice, the earliest safe MX change and the
// phase's checklist steps.
func (d *DomainScreen) buildTiming() fyne.CanvasObject {
	d.TTLAdvice = widget.NewLabel("TTL advice comes with the first check.")
	d.EarliestFlip = widget.NewLabel("")
	d.Steps = widget.NewLabel("")
	for _, l := range []*widget.Label{d.TTLAdvice, d.EarliestFlip, d.Steps} {
		l.Wrapping = fyne.TextWrapWord
	}
	bold := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	return container.NewVScroll(container.NewVBox(
		bold("TTL advice"), d.TTLAdvice, d.EarliestFlip, widget.NewSeparator(),
		bold("Phase 1 checklist"), d.Steps))
}

// paintTiming shows the TTL findings of the last check, the earliest safe
// MX change and the phase's steps.
func (d *DomainScreen) paintTiming() {
	var lines []string
	for _, f := range d.findings {
		if f.Check == "ttl" || strings.HasPrefix(f.Check, "ttl.") {
			line := severityWord(f.Severity) + " · " + f.Summary
			if f.Action != "" {
				line += "\n    What to do: " + f.Action
			}
			lines = append(lines, line)
		}
	}
	if len(lines) > 0 {
		d.TTLAdvice.SetText(strings.Join(lines, "\n"))
	} else if !d.report.At.IsZero() {
		d.TTLAdvice.SetText("The last check gave no TTL advice.")
	}
	d.EarliestFlip.SetText(flipText(d.report, d.project.CutoverAt))
	var steps []string
	for _, st := range d.steps {
		steps = append(steps, fmt.Sprintf("%s  %s — %s · %s", stepMark(st), st.Title, st.Owner, stepState(st)))
	}
	d.Steps.SetText(strings.Join(steps, "\n"))
}

// flipText is the earliest safe moment to change the MX, from the MX TTL
// the last check saw (as of that check) and the planned cutover.
func flipText(r domain.Report, cutover time.Time) string {
	if r.At.IsZero() {
		return ""
	}
	var mx *domain.Finding
	for i, f := range r.Findings {
		if f.Check == "ttl.mx" || f.Check == "ttl" {
			mx = &r.Findings[i]
		}
	}
	if mx == nil || mx.Severity == domain.SeverityNotRun {
		return "Earliest safe MX change: unknown — the MX TTL could not be read. Check the domain again when online."
	}
	var ttl uint32
	for _, e := range mx.Evidence {
		if e.Type == "MX" {
			ttl = max(ttl, e.TTL)
		}
	}
	if ttl == 0 {
		return "Earliest safe MX change: unknown — the check found no MX record."
	}
	a := domain.AdviseTTL("MX", time.Duration(ttl)*time.Second, r.At, cutover)
	text := "Earliest safe MX change: " + a.EarliestFlip.Local().Format("Mon 2 Jan 15:04")
	if !a.EarliestFlip.After(r.At) {
		text = "Earliest safe MX change: any time (the MX TTL is short)"
	}
	text += fmt.Sprintf(", as of the check at %s (MX TTL %d s).", r.At.Local().Format("15:04"), ttl)
	if !a.LowerBy.IsZero() && a.Severity != domain.SeverityOK {
		text += " Lower the TTL by " + a.LowerBy.Local().Format("Mon 2 Jan 15:04") + "."
	}
	if !cutover.IsZero() {
		text += " Planned cutover: " + cutover.Local().Format("Mon 2 Jan 15:04") + "."
	}
	return text
}

func stepMark(st app.Step) string {
	switch st.Status {
	case app.StatusDone:
		return "✔"
	case app.StatusBlocked:
		return "⚠"
	}
	return "○"
}

func stepState(st app.Step) string {
	switch {
	case st.Status == app.StatusBlocked:
		return "blocked by a failing check (" + st.By + ", " + st.At.Local().Format("2 Jan 15:04") + ")"
	case st.Status == app.StatusDone:
		return statusWord(st) + " by " + st.By
	}
	return "to do"
}
