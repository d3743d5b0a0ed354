package views

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// CutoverScreen is the cutover day's live checklist (phase 3): the steps in
// order with their owners, each ticked by a person or by a live check; the
// checks (MX, propagation with its history, SPF, Autodiscover, final delta,
// old INBOX drained, reconciliation) re-run every RefreshEvery while the screen is shown; a
// countdown to the cutover and to the earliest safe flip, once a second.
// Blocked steps stop the flow: later steps cannot be ticked until the
// blocker passes or a person overrides it with a written reason.
type CutoverScreen struct {
	shell     *Shell
	projectID string
	// RefreshEvery is the live checks' interval (set before Show);
	// app.CutoverRefreshEvery when zero.
	RefreshEvery time.Duration

	project store.Project
	status  app.Cutover
	have    bool       // status holds a run of the checks
	plan    []app.Step // every step of the plan, latest state

	Header              *widget.Label
	Who                 *widget.Entry // the person ticking, for the audit log
	Countdown, SafeFlip *widget.Label // updated once a second
	LastChecked         *widget.Label
	CheckNow            *widget.Button
	Blocker             *widget.Label // why the flow stops, in plain words ("" when nothing blocks)
	Rows                map[string]*CutoverRow
	Checks              map[string]*CheckLine // by app.Check* ID
	History             *widget.Label         // the latest MX polls, newest first
	RunDelta, Reconcile *widget.Button

	// The override dialog.
	OverrideText                    *widget.Label
	OverrideReason                  *widget.Entry
	OverrideConfirm, OverrideCancel *widget.Button
	OverrideProblem                 *widget.Label
	overrideDialog                  dialog.Dialog
	overrideStep                    string

	kick      chan struct{} // asks the live loop for a run now
	refreshed chan struct{} // one value per finished live run (tests)
	loops     gosync.WaitGroup
	stopped   chan struct{}
	body      *fyne.Container // re-laid out after a paint: wrapped labels change height
	content   fyne.CanvasObject
}

// CutoverRow is one phase-3 step.
type CutoverRow struct {
	Title, Info, Problem *widget.Label
	Tick, Override       *widget.Button
	// said answers the person's last action on the row (a refusal, a job
	// that could not start). Repaints, which the live checks and step
	// events trigger every few seconds, show it instead of the computed
	// "Waiting" line rather than wiping it; see paintSteps.
	said        string
	saidBlocked bool // said while an earlier step blocked this one
}

// say shows the answer to an action on row r ("" clears it).
func (c *CutoverScreen) say(r *CutoverRow, id, text string) {
	r.said, r.saidBlocked = text, len(app.BlockersBefore(c.plan, id)) > 0
	c.paintSteps()
}

// CheckLine is one live check: an icon for its state and its words.
type CheckLine struct {
	Icon *widget.Icon
	Text *widget.Label
}

// NewCutoverScreen builds the cutover-day screen for a project.
func NewCutoverScreen(s *Shell, projectID string) *CutoverScreen {
	c := &CutoverScreen{shell: s, projectID: projectID, Rows: map[string]*CutoverRow{}, Checks: map[string]*CheckLine{},
		kick: make(chan struct{}, 1), refreshed: make(chan struct{}, 16), stopped: make(chan struct{})}
	c.Header = widget.NewLabelWithStyle("Phase 3 — cutover day", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.Who = widget.NewEntry()
	c.Who.SetText(s.Actor)
	c.Countdown, c.SafeFlip = widget.NewLabel("Cutover: loading…"), widget.NewLabel("Earliest safe flip: waiting for the first check…")
	c.LastChecked = widget.NewLabel("Running the live checks…")
	c.LastChecked.Wrapping = fyne.TextWrapWord
	c.CheckNow = widget.NewButtonWithIcon("Check now", theme.ViewRefreshIcon(), c.checkNow)
	c.Blocker = widget.NewLabel("")
	c.Blocker.Wrapping, c.Blocker.Importance = fyne.TextWrapWord, widget.DangerImportance
	c.Blocker.Hide()
	c.History = widget.NewLabel("No MX poll yet.")
	c.RunDelta = widget.NewButtonWithIcon("Run final delta", theme.MediaPlayIcon(), c.runDelta)
	c.Reconcile = widget.NewButtonWithIcon("Reconcile", theme.SearchIcon(), c.reconcile)

	steps := container.NewVBox()
	for i, def := range phaseDefs(3) {
		steps.Add(c.newRow(i+1, def))
	}
	c.buildOverrideDialog()
	header := container.NewVBox(c.Header, c.Countdown, c.SafeFlip,
		container.NewBorder(nil, nil, widget.NewLabel("Your name"), container.NewHBox(c.CheckNow), c.Who), c.LastChecked)
	c.body = container.NewVBox(c.Blocker, steps, widget.NewSeparator(),
		widget.NewLabelWithStyle("MX propagation history", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), c.History)
	c.content = projectFrame(s, projectID, "cutover", header, container.NewVScroll(c.body))
	return c
}

func (c *CutoverScreen) Title() string              { return "3 · Cutover" }
func (c *CutoverScreen) Content() fyne.CanvasObject { return c.content }

// Start loads the project and its checklist, runs the live checks once,
// then keeps them running every RefreshEvery, the countdown every second
// and the step and delta events, all until ctx ends (see Stopped). Shell.Show
// calls it once per screen.
func (c *CutoverScreen) Start(ctx context.Context) {
	type loaded struct {
		p     store.Project
		steps []app.Step
	}
	Background(c.shell, func(ctx context.Context) (loaded, error) {
		p, err := c.shell.App.Project(ctx, c.projectID)
		if err != nil {
			return loaded{}, err
		}
		steps, err := c.shell.App.Checklist(ctx, c.projectID)
		return loaded{p, steps}, err
	}, func(l loaded) {
		c.project = l.p
		c.Header.SetText(fmt.Sprintf("Phase 3 — cutover day · %s — %s", l.p.Name, l.p.Domain))
		if !c.have { // a run of the checks may have been faster
			c.plan = l.steps
		}
		c.paintSteps()
		c.tick(time.Now())
	})
	c.runOnce(false)

	every := c.RefreshEvery
	if every <= 0 {
		every = app.CutoverRefreshEvery
	}
	c.loops.Add(3)
	go c.liveLoop(ctx, every)
	go c.countdownLoop(ctx)
	go c.eventLoop(ctx)
	go func() {
		c.loops.Wait()
		close(c.stopped)
	}()
}

// Stopped is closed once the screen's background loops have ended.
func (c *CutoverScreen) Stopped() <-chan struct{} { return c.stopped }

// runChecks is one run of the live checks, for Background or the loop.
func (c *CutoverScreen) runChecks(fresh bool) func(ctx context.Context) (app.Cutover, error) {
	return func(ctx context.Context) (app.Cutover, error) {
		st, err := c.shell.App.CutoverStatus(ctx, c.projectID, app.CutoverOptions{FreshDomainCheck: fresh})
		if err != nil {
			return st, fmt.Errorf("the live checks could not run (%v); they run again by themselves, or press Check now", err)
		}
		return st, nil
	}
}

// liveLoop re-runs the checks every interval (and when kicked) until ctx ends.
func (c *CutoverScreen) liveLoop(ctx context.Context, every time.Duration) {
	defer c.loops.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.kick:
		}
		st, err := c.runChecks(false)(ctx)
		if ctx.Err() != nil {
			return
		}
		c.shell.Do(func() {
			if err != nil {
				c.LastChecked.SetText(sentence(err.Error()))
				return
			}
			c.apply(st)
		})
		select {
		case c.refreshed <- struct{}{}:
		default:
		}
	}
}

// countdownLoop repaints the countdowns once a second until ctx ends.
func (c *CutoverScreen) countdownLoop(ctx context.Context) {
	defer c.loops.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.shell.Do(func() { c.tick(now) })
		}
	}
}

// eventLoop follows step changes and the final delta job until ctx ends.
func (c *CutoverScreen) eventLoop(ctx context.Context) {
	defer c.loops.Done()
	events, stop := c.shell.App.Events.Subscribe(64)
	context.AfterFunc(ctx, stop)
	delta := app.DeltaJobID(c.projectID)
	for ev := range events {
		switch e := ev.(type) {
		case app.StepChanged:
			if e.ProjectID == c.projectID {
				st := e.Step // copy before the closure
				c.shell.Do(func() { c.stepChanged(st) })
			}
		case app.JobChanged:
			if e.Job.ID == delta {
				j := e.Job
				c.shell.Do(func() { c.showDelta(j) })
				if j.State != app.JobRunning {
					c.kickChecks()
				}
			}
		}
	}
}

// kickChecks asks the live loop for a run now (at most one waits).
func (c *CutoverScreen) kickChecks() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}
