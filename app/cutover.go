package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"mailshift/domain"
	"mailshift/store"
	"mailshift/sync"
)

// Cutover-day timing.
const (
	// CutoverRefreshEvery is how often the cutover-day screen runs the live checks.
	CutoverRefreshEvery = 30 * time.Second
	// DomainRecheckEvery bounds the full domain check (it also asks RDAP):
	// between two, CutoverStatus reuses the last kept domain report.
	DomainRecheckEvery = 5 * time.Minute
	// CutoverHistoryMax is how many of the latest MX polls Cutover carries.
	CutoverHistoryMax = 10
)

// Cutover is the cutover day at a glance: the live checks, the phase-3
// steps after their verdicts were recorded, and the times that matter.
type Cutover struct {
	At        time.Time // when the checks ran
	CutoverAt time.Time // the project's planned cutover; zero when not set

	Propagation domain.Propagation   // the poll made now
	History     []domain.Propagation // the latest polls, oldest first (at most CutoverHistoryMax)
	// OldMXGoneBy is when every cache has dropped the old MX (valid when
	// OldMXGoneKnown: the name servers give the new MX).
	OldMXGoneBy    time.Time
	OldMXGoneKnown bool
	// FlipAdvice is the TTL advice for changing the MX now.
	FlipAdvice domain.TTLAdvice

	Checks   []CutoverCheck // in the order the screen shows them
	Plan     []Step         // every step of the plan, in order, after the verdicts
	Steps    []Step         // the phase-3 steps, in order
	Blockers []Step         // every step of the plan blocked by a failing check, in plan order
}

// SafeFlip is the earliest safe moment of the cutover and what it means:
// once the name servers give the new MX, when the old MX has left every
// cache (the final delta can then catch the last mail); before, the
// earliest moment the MX can be changed with every cache holding a short TTL.
func (c Cutover) SafeFlip() (time.Time, string) {
	if c.OldMXGoneKnown {
		return c.OldMXGoneBy, "every cache has dropped the old MX: run the final delta after this"
	}
	return c.FlipAdvice.EarliestFlip, fmt.Sprintf("earliest safe moment to change the MX: its TTL is %.0f minute(s)", c.FlipAdvice.TTL.Minutes())
}

// Check returns the live check with the given ID.
func (c Cutover) Check(id string) (CutoverCheck, bool) {
	for _, ch := range c.Checks {
		if ch.ID == id {
			return ch, true
		}
	}
	return CutoverCheck{}, false
}

// CutoverOptions tune CutoverStatus.
type CutoverOptions struct {
	// FreshDomainCheck runs the full domain check even when the last kept
	// report is younger than DomainRecheckEvery ("check now").
	FreshDomainCheck bool
}

// CutoverStatus runs the cutover day's live checks once: it polls every
// resolver and name server for the MX (kept in the propagation history),
// runs the domain check when the last one is older than DomainRecheckEvery
// (kept as a "dns" snapshot), and reads the final delta job, what the pulls
// saw of the old INBOXes and the last reconciliation. The verdicts are recorded on the phase-3 steps: a pass
// ticks change-mx / final-delta (by "mailshift") unless an earlier step is
// blocked; a failure blocks the step unless a person overrode it with a
// reason; "pending" changes nothing. A reconciliation never ticks sign-off
// (the customer does): it blocks it when messages are missing and lifts
// that block when clean again. Only changes are written to the audit log.
func (a *App) CutoverStatus(ctx context.Context, projectID string, opt CutoverOptions) (Cutover, error) {
	p, c, err := a.projectChecker(ctx, projectID)
	if err != nil {
		return Cutover{}, err
	}
	out := Cutover{At: a.now(), CutoverAt: p.CutoverAt}
	if out.Propagation, _, err = a.pollMXAndKeep(ctx, p, c); err != nil {
		return out, err
	}
	rep, err := a.cutoverDomainReport(ctx, p, c, opt.FreshDomainCheck)
	if err != nil {
		return out, err
	}
	hist, err := a.PropagationHistory(ctx, projectID)
	if err != nil {
		return out, err
	}
	out.OldMXGoneBy, out.OldMXGoneKnown = domain.OldAnswerGoneBy(hist)
	out.History = hist[max(0, len(hist)-CutoverHistoryMax):]
	out.FlipAdvice = domain.AdviseTTL("MX", authTTL(out.Propagation), out.At, p.CutoverAt)

	in := checkInputs{now: out.At, project: p, prop: out.Propagation, report: rep, goneBy: out.OldMXGoneBy, goneKnown: out.OldMXGoneKnown}
	in.delta, in.haveDelta = a.deltaJob(projectID)
	if in.rec, in.haveRec, err = a.lastReconciliation(projectID); err != nil {
		return out, err
	}
	if in.inbox, err = a.inboxWatch(projectID); err != nil {
		return out, err
	}
	out.Checks = cutoverChecks(in)
	for _, v := range stepVerdicts(out.Checks) {
		if err := a.recordVerdict(ctx, projectID, v); err != nil {
			return out, err
		}
	}
	steps, err := a.Checklist(ctx, projectID)
	if err != nil {
		return out, err
	}
	out.Plan, out.Steps, out.Blockers = steps, PhaseSteps(steps, 3), Blocked(steps)
	return out, nil
}

// cutoverDomainReport is the last kept domain report when it is younger
// than DomainRecheckEvery (and fresh is false), else a new check, kept.
func (a *App) cutoverDomainReport(ctx context.Context, p store.Project, c *domain.Checker, fresh bool) (domain.Report, error) {
	snaps, err := a.db.Snapshots(p.ID, SnapshotDNS)
	if err != nil {
		return domain.Report{}, err
	}
	if n := len(snaps); n > 0 && !fresh && a.now().Sub(snaps[n-1].At) < DomainRecheckEvery {
		var d DNSSnapshot
		if json.Unmarshal(snaps[n-1].Data, &d) == nil && d.Report.Domain != "" {
			return d.Report, nil
		}
	}
	rep, _, err := a.checkAndKeep(ctx, p, c)
	return rep, err
}

// recordVerdict writes a step's verdict when it changes the step. A pass
// does not tick a step while an earlier one is blocked (the flow keeps its
// order; the next run ticks it once the blocker is lifted).
func (a *App) recordVerdict(ctx context.Context, projectID string, v stepVerdict) error {
	steps, err := a.Checklist(ctx, projectID)
	if err != nil {
		return err
	}
	st, err := a.step(projectID, v.StepID)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(v.Checks)
	switch {
	case v.State == CheckPassed && v.MayTick && st.Status != StatusDone && len(BlockersBefore(steps, v.StepID)) == 0:
		_, err = a.RecordCheck(ctx, projectID, v.StepID, true, v.Summary, data)
	case v.State == CheckFailed && st.Status != StatusBlocked && !st.Override:
		_, err = a.RecordCheck(ctx, projectID, v.StepID, false, v.Summary, data)
	case v.State == CheckPassed && !v.MayTick && st.Status == StatusBlocked:
		// The failure that blocked it is gone; a person still ticks it.
		st.Status, st.Check, st.At = StatusTodo, data, a.now().UTC()
		err = a.saveStep(projectID, st, "check.passed", v.Summary, withActor("mailshift"))
	}
	return err
}

// authTTL is the largest MX TTL the name servers gave in the poll.
func authTTL(p domain.Propagation) time.Duration {
	var ttl uint32
	for _, o := range p.Observations {
		if o.Kind == "authoritative" && o.Error == "" {
			ttl = max(ttl, o.TTL)
		}
	}
	return time.Duration(ttl) * time.Second
}

// deltaJob is the project's final delta job of this session, if any.
func (a *App) deltaJob(projectID string) (JobInfo, bool) {
	for _, j := range a.Jobs().List() {
		if j.ID == DeltaJobID(projectID) {
			return j, true
		}
	}
	return JobInfo{}, false
}

// lastReconciliation is the project's latest kept reconciliation.
func (a *App) lastReconciliation(projectID string) (sync.Reconciliation, bool, error) {
	snaps, err := a.db.Snapshots(projectID, SnapshotReconcileDetail)
	if err != nil || len(snaps) == 0 {
		return sync.Reconciliation{}, false, err
	}
	var rec sync.Reconciliation
	if err := json.Unmarshal(snaps[len(snaps)-1].Data, &rec); err != nil {
		return rec, false, fmt.Errorf("read the last reconciliation: %w", err)
	}
	return rec, true, nil
}
