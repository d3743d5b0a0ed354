package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mailshift/store"
)

// Status is a step's place in its state machine:
//
//	todo --tick--> done --untick(reason)--> todo
//	todo|done --failing check--> blocked --tick(override reason)--> done (override)
//	blocked --passing check--> done
type Status string

const (
	StatusTodo    Status = "todo"
	StatusDone    Status = "done"
	StatusBlocked Status = "blocked"
)

// Step is a plan step with its current state.
type Step struct {
	StepDef
	Phase    int
	Status   Status
	By       string
	At       time.Time
	Note     string
	Reason   string
	Override bool
	Check    json.RawMessage
}

// ErrReasonRequired is returned when un-ticking or overriding without a reason.
var ErrReasonRequired = errors.New("a written reason is required")

// Checklist returns every step of the plan, in order, with its state.
func (a *App) Checklist(ctx context.Context, projectID string) ([]Step, error) {
	states, err := a.db.Checklist(projectID)
	if err != nil {
		return nil, err
	}
	var out []Step
	for _, ph := range ThePlan {
		for _, def := range ph.Steps {
			out = append(out, stepFrom(def, ph.Number, states[def.ID]))
		}
	}
	return out, nil
}

func stepFrom(def StepDef, phase int, st store.StepState) Step {
	s := Step{StepDef: def, Phase: phase, Status: Status(st.Status), By: st.By, At: st.At,
		Note: st.Note, Reason: st.Reason, Override: st.Override, Check: st.Check}
	if s.Status == "" {
		s.Status = StatusTodo
	}
	return s
}

func (a *App) step(projectID, stepID string) (Step, error) {
	def, phase, ok := StepByID(stepID)
	if !ok {
		return Step{}, fmt.Errorf("no step %q in the plan: `mailshift checklist show` lists the step IDs", stepID)
	}
	states, err := a.db.Checklist(projectID)
	if err != nil {
		return Step{}, err
	}
	return stepFrom(def, phase, states[stepID]), nil
}

// Tick marks a step done by a person. A step blocked by a failing check can
// only be ticked with a written override reason, which the log records.
func (a *App) Tick(ctx context.Context, projectID, stepID, by, note, overrideReason string) (Step, error) {
	s, err := a.step(projectID, stepID)
	if err != nil {
		return s, err
	}
	if strings.TrimSpace(by) == "" {
		return s, errors.New("say who ticks the step (a name)")
	}
	if s.Status == StatusDone {
		return s, fmt.Errorf("step %q is already done", stepID)
	}
	kind := "step.ticked"
	s.Override, s.Reason = false, ""
	if s.Status == StatusBlocked {
		if strings.TrimSpace(overrideReason) == "" {
			return s, fmt.Errorf("step %q is blocked by a failing check: %w to override it", stepID, ErrReasonRequired)
		}
		kind, s.Override, s.Reason = "step.overridden", true, strings.TrimSpace(overrideReason)
	}
	if note != "" {
		s.Note = note
	}
	s.Status, s.By, s.At = StatusDone, strings.TrimSpace(by), a.now().UTC()
	return s, a.saveStep(projectID, s, kind, s.Reason)
}

// Untick returns a done step to "to do"; the reason is required and logged.
func (a *App) Untick(ctx context.Context, projectID, stepID, by, reason string) (Step, error) {
	s, err := a.step(projectID, stepID)
	if err != nil {
		return s, err
	}
	if s.Status != StatusDone {
		return s, fmt.Errorf("step %q is not done, so it cannot be un-ticked", stepID)
	}
	if strings.TrimSpace(reason) == "" {
		return s, fmt.Errorf("un-ticking %q: %w", stepID, ErrReasonRequired)
	}
	if strings.TrimSpace(by) == "" {
		return s, errors.New("say who un-ticks the step (a name)")
	}
	s.Status, s.By, s.At, s.Reason, s.Override = StatusTodo, strings.TrimSpace(by), a.now().UTC(), strings.TrimSpace(reason), false
	return s, a.saveStep(projectID, s, "step.unticked", s.Reason)
}

// Annotate sets a step's note without changing its status.
func (a *App) Annotate(ctx context.Context, projectID, stepID, by, note string) (Step, error) {
	s, err := a.step(projectID, stepID)
	if err != nil {
		return s, err
	}
	s.Note = strings.TrimSpace(note)
	return s, a.saveStep(projectID, s, "step.noted", s.Note, withActor(by))
}

// RecordCheck attaches an automatic check's result to a step: a pass marks
// it done by Mailshift, a failure blocks it (even if a person ticked it).
func (a *App) RecordCheck(ctx context.Context, projectID, stepID string, passed bool, summary string, result json.RawMessage) (Step, error) {
	s, err := a.step(projectID, stepID)
	if err != nil {
		return s, err
	}
	s.Check, s.At = result, a.now().UTC()
	kind := "check.failed"
	if passed {
		kind = "check.passed"
		if s.Status != StatusDone {
			s.Status, s.By, s.Override, s.Reason = StatusDone, "mailshift", false, ""
		}
	} else {
		s.Status, s.By, s.Override = StatusBlocked, "mailshift", false
	}
	return s, a.saveStep(projectID, s, kind, summary, withActor("mailshift"))
}

type saveOpt func(*store.AuditRecord)

func withActor(who string) saveOpt { return func(r *store.AuditRecord) { r.Actor = actorOr(who) } }

// afterStepSaved lets a test hold a save between its write and its event,
// where a scheduler may hold it too.
var afterStepSaved = func() {}

func (a *App) saveStep(projectID string, s Step, kind, detail string, opts ...saveOpt) error {
	rec := store.AuditRecord{At: s.At, Actor: actorOr(s.By), Kind: kind, Subject: s.ID, Detail: detail}
	if rec.At.IsZero() {
		rec.At = a.now()
	}
	for _, o := range opts {
		o(&rec)
	}
	a.stepsMu.Lock()
	defer a.stepsMu.Unlock()
	_, err := a.db.SetStep(projectID, store.StepState{StepID: s.ID, Status: string(s.Status), By: s.By, At: s.At,
		Note: s.Note, Reason: s.Reason, Override: s.Override, Check: s.Check}, rec)
	if err != nil {
		return fmt.Errorf("save step %s: %w", s.ID, err)
	}
	afterStepSaved()
	a.Events.Publish(StepChanged{ProjectID: projectID, Step: s})
	return nil
}
