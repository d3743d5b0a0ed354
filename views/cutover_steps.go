package views

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

// cutoverChecksOf lists the live checks shown under each phase-3 step.
var cutoverChecksOf = map[string][]string{
	"change-mx":   {app.CheckMX, app.CheckPropagation, app.CheckSPF, app.CheckAutodiscover},
	"final-delta": {app.CheckFinalDelta, app.CheckDrained},
	"sign-off":    {app.CheckReconcile},
}

// phaseDefs are the step definitions of one phase of the plan.
func phaseDefs(phase int) []app.StepDef {
	for _, ph := range app.ThePlan {
		if ph.Number == phase {
			return ph.Steps
		}
	}
	return nil
}

// newRow builds one step's row with its check lines and actions.
func (c *CutoverScreen) newRow(n int, def app.StepDef) fyne.CanvasObject {
	id := def.ID
	r := &CutoverRow{
		Title:    widget.NewLabelWithStyle(fmt.Sprintf("%d. %s", n, def.Title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		Info:     widget.NewLabel(string(def.Owner) + " · to do"),
		Problem:  widget.NewLabel(""),
		Tick:     widget.NewButtonWithIcon("Tick", theme.ConfirmIcon(), func() { c.tickStep(id) }),
		Override: widget.NewButtonWithIcon("Override…", theme.WarningIcon(), func() { c.askOverride(id) }),
	}
	r.Title.Wrapping, r.Info.Wrapping, r.Problem.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord, fyne.TextWrapWord
	r.Problem.Importance = widget.DangerImportance
	r.Override.Hide()
	r.Problem.Hide()
	actions := container.NewHBox(r.Tick, r.Override)
	switch id {
	case "final-delta":
		actions.Add(c.RunDelta)
	case "sign-off":
		r.Tick.SetText("Sign off…") // the customer signs on the Sign-off screen
		actions.Add(c.Reconcile)
	}
	box := container.NewVBox(container.NewBorder(nil, nil, nil, actions, r.Title), r.Info)
	for _, ch := range cutoverChecksOf[id] {
		l := &CheckLine{Icon: widget.NewIcon(theme.MoreHorizontalIcon()), Text: widget.NewLabel("Not checked yet.")}
		l.Text.Wrapping = fyne.TextWrapWord
		c.Checks[ch] = l
		box.Add(container.NewBorder(nil, nil, l.Icon, nil, l.Text))
	}
	box.Add(r.Problem)
	box.Add(widget.NewSeparator())
	c.Rows[id] = r
	return box
}

// stateOf is a phase-3 step's latest state (to do when unknown).
func (c *CutoverScreen) stateOf(def app.StepDef) app.Step {
	for _, st := range c.plan {
		if st.ID == def.ID {
			return st
		}
	}
	return app.Step{StepDef: def, Phase: 3, Status: app.StatusTodo}
}

// paintSteps paints every row and the blocker explanation from c.plan.
func (c *CutoverScreen) paintSteps() {
	for _, def := range phaseDefs(3) {
		st, r := c.stateOf(def), c.Rows[def.ID]
		before := app.BlockersBefore(c.plan, def.ID)
		info := string(st.Owner) + " · to do"
		if st.By != "" {
			info = stepInfo(st)
		}
		if st.Override {
			info += " — reason: " + st.Reason
		}
		r.Info.SetText(info)
		setEnabled(r.Tick, st.Status == app.StatusTodo && len(before) == 0)
		if st.Status == app.StatusBlocked {
			r.Override.Show()
			setEnabled(r.Override, len(before) == 0)
		} else {
			r.Override.Hide()
		}
		if r.saidBlocked && len(before) == 0 {
			r.said = "" // a refusal for a blocker that has since cleared
		}
		line := r.said
		if line == "" && len(before) > 0 && st.Status != app.StatusDone {
			line = fmt.Sprintf("Waiting: %q is blocked (see above); this step can be ticked once that passes its check or is overridden.", before[0].Title)
		}
		showLine(r.Problem, line)
	}
	showLine(c.Blocker, c.blockerText())
	c.body.Refresh() // once: wrapped lines changed height
}

// showLine shows a message line, hidden while empty; the caller re-lays
// out the body.
func showLine(l *widget.Label, text string) {
	l.SetText(text)
	l.Hidden = text == ""
}

// blockerText says in plain words why the flow stops ("" when it does not).
func (c *CutoverScreen) blockerText() string {
	blocked := app.Blocked(c.plan)
	if len(blocked) == 0 {
		return ""
	}
	b := blocked[0]
	why := "its last check failed"
	if b.Phase != 3 {
		why = "the Plan screen shows what failed"
	} else if c.have {
		var fails []string
		for _, ch := range c.status.Checks {
			if ch.StepID == b.ID && ch.State == app.CheckFailed {
				fails = append(fails, ch.Title)
			}
		}
		if len(fails) > 0 {
			why = "these checks fail (see below): " + strings.Join(fails, ", ")
		}
	}
	text := fmt.Sprintf("The cutover is stopped: %q (phase %d, %s) is blocked — %s. The steps after it can't be ticked until its checks pass (they run again by themselves) or a person overrides it with a written reason.",
		b.Title, b.Phase, b.Owner, why)
	if len(blocked) > 1 {
		text += fmt.Sprintf(" %d more blocked step(s) after it.", len(blocked)-1)
	}
	return text
}

// apply paints a run of the live checks.
func (c *CutoverScreen) apply(st app.Cutover) {
	c.status, c.have, c.plan = st, true, st.Plan
	for _, ch := range st.Checks {
		l, ok := c.Checks[ch.ID]
		if !ok {
			continue
		}
		text := ch.Title + " — " + ch.Summary
		if ch.State != app.CheckPassed && ch.Action != "" {
			text += " What to do: " + ch.Action
		}
		l.Text.SetText(text)
		l.Icon.SetResource(checkIcon(ch.State))
	}
	var hist []string
	for i := len(st.History) - 1; i >= 0; i-- {
		p := st.History[i]
		hist = append(hist, p.At.Local().Format("15:04:05")+" — "+p.Summary())
	}
	if len(hist) > 0 {
		c.History.SetText(strings.Join(hist, "\n"))
	}
	c.LastChecked.SetText(fmt.Sprintf("Checked at %s; the checks run again by themselves while this screen is open.", st.At.Local().Format("15:04:05")))
	c.paintSteps()
	c.tick(time.Now())
}

func checkIcon(s app.CheckState) fyne.Resource {
	switch s {
	case app.CheckPassed:
		return theme.ConfirmIcon()
	case app.CheckFailed:
		return theme.ErrorIcon()
	}
	return theme.MoreHorizontalIcon()
}

// stepChanged takes one step's new state (an event or an action's result).
func (c *CutoverScreen) stepChanged(st app.Step) {
	for i := range c.plan {
		if c.plan[i].ID == st.ID {
			if r := c.Rows[st.ID]; r != nil && c.plan[i].Status != st.Status {
				r.said = "" // the step moved on: the old answer is stale
			}
			c.plan[i] = st
		}
	}
	c.paintSteps()
}

// tickStep ticks a step by the person named in Who, in the flow's order.
func (c *CutoverScreen) tickStep(id string) {
	if id == "sign-off" {
		c.shell.Open("report", c.projectID)
		return
	}
	who, r := c.Who.Text, c.Rows[id]
	c.say(r, id, "")
	stepAction(c.shell, func(ctx context.Context) (app.Step, error) {
		return c.shell.App.TickInOrder(ctx, c.projectID, id, who, "", "")
	}, func(st app.Step, err error) {
		if err != nil {
			c.say(r, id, sentence(err.Error()))
			return
		}
		c.stepChanged(st)
	})
}

// stepAction runs a checklist change in the background and hands the
// result, refusal included, to done on the UI goroutine.
func stepAction(s *Shell, do func(ctx context.Context) (app.Step, error), done func(app.Step, error)) {
	type result struct {
		st  app.Step
		err error
	}
	Background(s, func(ctx context.Context) (result, error) {
		st, err := do(ctx)
		return result{st, err}, nil
	}, func(r result) { done(r.st, r.err) })
}
