package views

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

// buildOverrideDialog builds the dialog that asks for the written reason.
func (c *CutoverScreen) buildOverrideDialog() {
	c.OverrideText = widget.NewLabel("")
	c.OverrideText.Wrapping = fyne.TextWrapWord
	c.OverrideReason = widget.NewMultiLineEntry()
	c.OverrideReason.SetPlaceHolder("Why is it safe to go on although the check fails?")
	c.OverrideReason.Wrapping = fyne.TextWrapWord
	c.OverrideReason.SetMinRowsVisible(3)
	c.OverrideProblem = widget.NewLabel("")
	c.OverrideProblem.Wrapping, c.OverrideProblem.Importance = fyne.TextWrapWord, widget.DangerImportance
	c.OverrideCancel = widget.NewButton("Cancel", func() { c.overrideDialog.Hide() })
	c.OverrideConfirm = widget.NewButtonWithIcon("Override", theme.WarningIcon(), c.confirmOverride)
	c.OverrideConfirm.Importance = widget.DangerImportance
	content := container.NewVBox(c.OverrideText, widget.NewLabel("Written reason (required):"), c.OverrideReason, c.OverrideProblem,
		container.NewHBox(layout.NewSpacer(), c.OverrideCancel, c.OverrideConfirm))
	c.overrideDialog = dialog.NewCustomWithoutButtons("Override a failed check", content, c.shell.Window)
	c.overrideDialog.Resize(fyne.NewSize(560, 320))
}

// askOverride opens the override dialog for a blocked step.
func (c *CutoverScreen) askOverride(id string) {
	c.overrideStep = id
	st := c.stateOf(c.defOf(id))
	c.OverrideText.SetText(fmt.Sprintf("%q is blocked by a failing live check. You may tick it anyway only with a written reason; "+
		"it is recorded with your name (%s) in the audit log.", st.Title, c.Who.Text))
	c.OverrideReason.SetText("")
	c.OverrideProblem.SetText("")
	c.overrideDialog.Show()
	c.shell.Window.Canvas().Focus(c.OverrideReason)
}

// confirmOverride ticks the blocked step with the reason; an empty reason
// is refused and the dialog stays open.
func (c *CutoverScreen) confirmOverride() {
	reason := strings.TrimSpace(c.OverrideReason.Text)
	if reason == "" {
		c.OverrideProblem.SetText("Write the reason first: a failed check can only be overridden with a written reason, which goes into the audit log. Without one the step stays blocked.")
		return
	}
	id, who := c.overrideStep, c.Who.Text
	stepAction(c.shell, func(ctx context.Context) (app.Step, error) {
		return c.shell.App.TickInOrder(ctx, c.projectID, id, who, "", reason)
	}, func(st app.Step, err error) {
		if err != nil {
			c.OverrideProblem.SetText(sentence(err.Error()))
			return
		}
		c.overrideDialog.Hide()
		c.stepChanged(st)
	})
}

func (c *CutoverScreen) defOf(id string) app.StepDef {
	def, _, _ := app.StepByID(id)
	return def
}

// checkNow runs the checks at once, with a fresh domain check.
func (c *CutoverScreen) checkNow() {
	c.CheckNow.Disable()
	c.LastChecked.SetText("Running the live checks…")
	c.runOnce(true)
}

// runOnce runs the checks in the background (WaitIdle waits for it) and
// paints the result, or says why they could not run.
func (c *CutoverScreen) runOnce(fresh bool) {
	type result struct {
		st  app.Cutover
		err error
	}
	Background(c.shell, func(ctx context.Context) (result, error) {
		st, err := c.runChecks(fresh)(ctx)
		return result{st, err}, nil
	}, func(r result) {
		c.CheckNow.Enable()
		if r.err != nil {
			c.LastChecked.SetText(sentence(r.err.Error()))
			return
		}
		c.apply(r.st)
	})
}

// runDelta starts the final delta job; its progress arrives as events.
func (c *CutoverScreen) runDelta() {
	r := c.Rows["final-delta"]
	c.say(r, "final-delta", "")
	c.RunDelta.Disable()
	Background(c.shell, func(ctx context.Context) (error, error) {
		return c.shell.App.StartDelta(ctx, c.projectID, nil, 0), nil
	}, func(err error) {
		if err != nil {
			c.RunDelta.Enable()
			c.say(r, "final-delta", "The final delta could not start: "+sentence(err.Error()))
		}
	})
}

// showDelta paints the final delta job's progress.
func (c *CutoverScreen) showDelta(j app.JobInfo) {
	setEnabled(c.RunDelta, j.State != app.JobRunning)
	if j.State == app.JobRunning {
		l := c.Checks[app.CheckFinalDelta]
		l.Icon.SetResource(theme.MoreHorizontalIcon())
		l.Text.SetText(fmt.Sprintf("Final delta — running: %s (%d of %d)", j.Progress.Phase, j.Progress.Done, j.Progress.Total))
		c.body.Refresh()
	}
}

// reconcile compares source, local copy and destination again.
func (c *CutoverScreen) reconcile() {
	c.Reconcile.Disable()
	c.Checks[app.CheckReconcile].Text.SetText("Reconciliation clean — reconciling now…")
	Background(c.shell, func(ctx context.Context) (string, error) {
		rec, err := c.shell.App.Reconcile(ctx, c.projectID)
		return rec.Verdict(), err
	}, func(string) {
		c.Reconcile.Enable()
		c.kickChecks()
	})
}

// tick repaints the countdowns (once a second and after each check).
func (c *CutoverScreen) tick(now time.Time) {
	switch {
	case c.project.ID == "":
		return
	case c.project.CutoverAt.IsZero():
		c.Countdown.SetText("Cutover: no date set — set the cutover date in the project.")
	default:
		at := c.project.CutoverAt
		c.Countdown.SetText("Cutover: " + at.Local().Format("Mon 2 Jan 15:04") + " — " + countdown(now, at))
	}
	if !c.have {
		return
	}
	at, what := c.status.SafeFlip()
	if at.IsZero() {
		c.SafeFlip.SetText("Earliest safe flip: unknown until the name servers answer.")
		return
	}
	c.SafeFlip.SetText("Earliest safe flip: " + at.Local().Format("Mon 2 Jan 15:04") + " — " + countdown(now, at) + " (" + what + ")")
}

// countdown says how far at is from now: "in 2 d 03:04:05", "in 00:04:05",
// "now", "reached 01:02:03 ago".
func countdown(now, at time.Time) string {
	d := at.Sub(now).Truncate(time.Second)
	switch {
	case d > 0:
		return "in " + clockText(d)
	case d == 0:
		return "now"
	}
	return "reached " + clockText(-d) + " ago"
}

func clockText(d time.Duration) string {
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	s := fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
	if days > 0 {
		s = fmt.Sprintf("%d d %s", days, s)
	}
	return s
}
