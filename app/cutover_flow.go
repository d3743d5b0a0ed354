package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// stepVerdict is the combined verdict of the checks that prove one step.
type stepVerdict struct {
	StepID  string
	State   CheckState
	Summary string
	MayTick bool // a pass ticks the step (not so for the customer's sign-off)
	Checks  []CutoverCheck
}

// stepVerdicts combines the checks per step: every check passed -> passed;
// any failed -> failed (with the failures' summaries); else pending.
func stepVerdicts(checks []CutoverCheck) []stepVerdict {
	var out []stepVerdict
	index := map[string]int{}
	for _, c := range checks {
		i, ok := index[c.StepID]
		if !ok {
			i = len(out)
			index[c.StepID] = i
			out = append(out, stepVerdict{StepID: c.StepID, State: CheckPassed, MayTick: c.StepID != "sign-off"})
		}
		v := &out[i]
		v.Checks = append(v.Checks, c)
		switch {
		case c.State == CheckFailed:
			if v.State == CheckFailed {
				v.Summary += "; "
			}
			v.State, v.Summary = CheckFailed, v.Summary+c.Title+": "+strings.TrimSuffix(c.Summary, ".")
		case c.State == CheckPending && v.State == CheckPassed:
			v.State = CheckPending
		}
	}
	for i := range out {
		if out[i].State == CheckPassed {
			var parts []string
			for _, c := range out[i].Checks {
				parts = append(parts, strings.TrimSuffix(c.Summary, "."))
			}
			out[i].Summary = strings.Join(parts, "; ")
		}
	}
	return out
}

// PhaseSteps returns the steps of one phase, in order.
func PhaseSteps(steps []Step, phase int) []Step {
	var out []Step
	for _, s := range steps {
		if s.Phase == phase {
			out = append(out, s)
		}
	}
	return out
}

// Blocked returns the steps blocked by a failing check, in plan order.
func Blocked(steps []Step) []Step {
	var out []Step
	for _, s := range steps {
		if s.Status == StatusBlocked {
			out = append(out, s)
		}
	}
	return out
}

// BlockersBefore returns the blocked steps that come before stepID in the
// plan: while there are any, stepID must not be ticked.
func BlockersBefore(steps []Step, stepID string) []Step {
	var out []Step
	for _, s := range steps {
		if s.ID == stepID {
			return out
		}
		if s.Status == StatusBlocked {
			out = append(out, s)
		}
	}
	return out
}

// BlockedError refuses to tick a step while earlier steps are blocked.
type BlockedError struct {
	Step     StepDef // the step that was to be ticked
	Blockers []Step  // the blocked steps before it
}

func (e *BlockedError) Error() string {
	var names []string
	for _, b := range e.Blockers {
		names = append(names, fmt.Sprintf("%q", b.Title))
	}
	return fmt.Sprintf("%q cannot be ticked yet: %s %s blocked by a failing check; fix what the check reports, or override it with a written reason, first",
		e.Step.Title, strings.Join(names, " and "), map[bool]string{true: "is", false: "are"}[len(names) == 1])
}

// ErrBlockedEarlier matches a BlockedError with errors.Is.
var ErrBlockedEarlier = errors.New("an earlier step is blocked")

func (e *BlockedError) Is(target error) bool { return target == ErrBlockedEarlier }

// TickInOrder is Tick for the cutover day's flow: it refuses (a
// *BlockedError) while any earlier step of the plan is blocked. A blocked
// step itself may be ticked with a written override reason (see Tick).
func (a *App) TickInOrder(ctx context.Context, projectID, stepID, by, note, overrideReason string) (Step, error) {
	steps, err := a.Checklist(ctx, projectID)
	if err != nil {
		return Step{}, err
	}
	if b := BlockersBefore(steps, stepID); len(b) > 0 {
		def, _, _ := StepByID(stepID)
		return Step{}, &BlockedError{Step: def, Blockers: b}
	}
	return a.Tick(ctx, projectID, stepID, by, note, overrideReason)
}
