package views

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/domain"
	"mailshift/store"
)

// DomainScreen is Phase 1's domain pre-flight: the domain checks (run in
// the background, blockers first, each with what to do and its evidence),
// the DNS records to create at the new host with a copy button each, the
// TTL advice and earliest safe MX change, the last check against the one
// before, and the phase's checklist steps with their owners.
type DomainScreen struct {
	shell     *Shell
	projectID string
	project   store.Project

	report   domain.Report    // the last check (zero before any)
	previous *domain.Report   // the check before it, if any
	findings []domain.Finding // report.Findings, blockers first
	plan     domain.Plan
	planErr  string
	steps    []app.Step // phase 1
	selected int        // finding on show in the detail panel; -1 for none

	Header    *widget.Label
	CheckNow  *widget.Button
	Status    *widget.Label // running / the last check's verdict
	LastCheck *widget.Label // when the last check ran, and the one before
	Tabs      *container.AppTabs

	Findings *widget.List
	Detail   *FindingDetail

	Records     *widget.List
	RecordsNote *widget.Label
	copied      string // the last value copied (tests)

	TTLAdvice, EarliestFlip *widget.Label
	Steps                   *widget.Label

	content fyne.CanvasObject
}

// NewDomainScreen builds the domain pre-flight screen for a project.
func NewDomainScreen(s *Shell, projectID string) *DomainScreen {
	d := &DomainScreen{shell: s, projectID: projectID, selected: -1}
	d.Header = widget.NewLabelWithStyle("Phase 1 — domain pre-flight", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.CheckNow = widget.NewButtonWithIcon("Check domain", theme.SearchIcon(), d.Check)
	d.Status = widget.NewLabel("The domain has not been checked yet: press Check domain.")
	d.Status.Wrapping = fyne.TextWrapWord
	d.LastCheck = widget.NewLabel("")
	d.LastCheck.Wrapping = fyne.TextWrapWord
	header := container.NewVBox(d.Header,
		container.NewBorder(nil, nil, d.CheckNow, nil, d.Status), d.LastCheck)

	d.Tabs = container.NewAppTabs(
		container.NewTabItem("Findings", d.buildFindings()),
		container.NewTabItem("Records to create", d.buildRecords()),
		container.NewTabItem("TTL and checklist", d.buildTiming()),
	)
	d.content = projectFrame(s, projectID, "domain", header, d.Tabs)
	return d
}

func (d *DomainScreen) Title() string              { return "Domain" }
func (d *DomainScreen) Content() fyne.CanvasObject { return d.content }

// domainLoaded is what a load or a check brings back to the UI goroutine.
type domainLoaded struct {
	project store.Project
	history []domain.Report
	plan    *domain.Plan // nil: not read this time
	planErr error
	steps   []app.Step
	checked bool  // a check ran now
	err     error // the check failed to run at all
}

// Start shows the kept checks (no network): the last report, the one
// before it, and the phase's steps; then follows the steps' changes (a
// login test on the setup screen, a tick on the plan) until the user
// leaves the screen.
func (d *DomainScreen) Start(ctx context.Context) {
	Background(d.shell, func(ctx context.Context) (domainLoaded, error) {
		l := d.load(ctx)
		return l, l.err
	}, func(l domainLoaded) {
		d.apply(l)
		if len(l.history) == 0 && l.project.Domain != "" {
			d.Check() // never checked: nobody should have to find the button first
		}
	})
	events, stop := d.shell.App.Events.Subscribe(64)
	go func() {
		<-ctx.Done()
		stop()
	}()
	go func() {
		for ev := range events {
			if sc, ok := ev.(app.StepChanged); ok && sc.ProjectID == d.projectID && sc.Step.Phase == 1 && ctx.Err() == nil {
				st := sc.Step
				d.shell.Do(func() { d.showStep(st) })
			}
		}
	}()
}

// showStep repaints the checklist with one step's new state.
func (d *DomainScreen) showStep(st app.Step) {
	for i := range d.steps {
		if d.steps[i].ID == st.ID {
			d.steps[i] = st
			d.paintTiming()
			return
		}
	}
}

func (d *DomainScreen) load(ctx context.Context) domainLoaded {
	var l domainLoaded
	if l.project, l.err = d.shell.App.Project(ctx, d.projectID); l.err != nil {
		return l
	}
	if l.history, l.err = d.shell.App.DomainHistory(ctx, d.projectID); l.err != nil {
		return l
	}
	if n := len(l.history); n > 0 {
		l.plan = l.history[n-1].Plan // the records as the last check saw them
	}
	l.steps, l.err = d.shell.App.Checklist(ctx, d.projectID)
	return l
}

// Check runs every domain check and reads the records the new host needs,
// in the background; the button is off while it runs.
func (d *DomainScreen) Check() {
	d.CheckNow.Disable()
	d.Status.SetText("Checking the domain: name servers, MX, SPF, DKIM, DMARC, Autodiscover, TTLs, registration…")
	Background(d.shell, func(ctx context.Context) (domainLoaded, error) {
		rep, err := d.shell.App.CheckDomain(ctx, d.projectID)
		if err != nil {
			return domainLoaded{checked: true, err: err}, nil
		}
		l := d.load(ctx)
		l.checked, l.plan = true, rep.Plan
		if rep.Plan == nil { // offline, or the zone unreadable: the findings say why; asking DNS again would only wait again
			l.plan, l.planErr = &domain.Plan{}, errors.New("the check could not read the domain's DNS; the findings say why")
		}
		return l, nil
	}, d.apply)
}

// apply paints a load or a check.
func (d *DomainScreen) apply(l domainLoaded) {
	if l.checked {
		d.CheckNow.Enable()
	}
	if l.err != nil {
		d.Status.SetText("The check could not run: " + sentence(l.err.Error()) + " Try again.")
		return
	}
	d.project = l.project
	d.Header.SetText(fmt.Sprintf("Phase 1 — domain pre-flight · %s · %s", l.project.Name, l.project.Domain))
	d.steps = d.steps[:0]
	for _, st := range l.steps {
		if st.Phase == 1 {
			d.steps = append(d.steps, st)
		}
	}
	if l.plan != nil {
		d.plan, d.planErr = *l.plan, ""
		if l.planErr != nil {
			d.plan, d.planErr = domain.Plan{}, sentence(l.planErr.Error())
		}
	}
	if n := len(l.history); n > 0 {
		d.report, d.previous = l.history[n-1], nil
		if n > 1 {
			d.previous = &l.history[n-2]
		}
	}
	d.findings = sortedFindings(d.report.Findings)
	d.Status.SetText(reportVerdict(d.report))
	d.LastCheck.SetText(historyLine(d.report, d.previous))
	d.selected = -1
	d.Findings.UnselectAll()
	d.Findings.Refresh()
	if len(d.findings) > 0 {
		d.Findings.Select(0) // the most urgent, in full
	} else {
		d.Detail.Show(nil)
	}
	d.paintRecords()
	d.paintTiming()
}

// ShownFindings are the findings in the order the list shows them (tests).
func (d *DomainScreen) ShownFindings() []domain.Finding { return d.findings }

// ShownRecords are the DNS changes the records list shows (tests).
func (d *DomainScreen) ShownRecords() []domain.Change { return d.plan.Changes }
