package app

import (
	"fmt"
	"strings"
	"time"

	"mailshift/domain"
	"mailshift/store"
	"mailshift/sync"
)

// CheckState is a live check's verdict.
type CheckState string

const (
	CheckPassed  CheckState = "passed"
	CheckFailed  CheckState = "failed"
	CheckPending CheckState = "pending" // not proven either way yet: in progress, not run, or not done yet
)

// IDs of the cutover day's live checks.
const (
	CheckMX           = "mx"
	CheckPropagation  = "propagation"
	CheckSPF          = "spf"
	CheckAutodiscover = "autodiscover"
	CheckFinalDelta   = "final-delta"
	CheckReconcile    = "reconcile"
)

// CutoverCheck is one live check of the cutover day, in plain words.
type CutoverCheck struct {
	ID      string     `json:"id"`
	StepID  string     `json:"step"` // the phase-3 step it proves
	Title   string     `json:"title"`
	State   CheckState `json:"state"`
	Summary string     `json:"summary"`
	Action  string     `json:"action,omitempty"` // what to do while it has not passed
}

// checkInputs is everything the checks are decided from.
type checkInputs struct {
	now       time.Time
	project   store.Project
	prop      domain.Propagation
	report    domain.Report
	goneBy    time.Time
	goneKnown bool
	delta     JobInfo
	haveDelta bool
	rec       sync.Reconciliation
	haveRec   bool
	inbox     inboxWatch
}

// mxChanged: every answering name server gives the new MX.
func (in checkInputs) mxChanged() bool {
	as, aa := in.prop.Counts("authoritative")
	return len(in.prop.Expect) > 0 && aa > 0 && as == aa
}

// cutoverPassed: the planned cutover time is behind us.
func (in checkInputs) cutoverPassed() bool {
	return !in.project.CutoverAt.IsZero() && in.now.After(in.project.CutoverAt)
}

func cutoverChecks(in checkInputs) []CutoverCheck {
	return []CutoverCheck{mxCheck(in), propagationCheck(in), spfCheck(in), autodiscoverCheck(in), deltaCheck(in), drainedCheck(in), reconcileCheck(in)}
}

func mxCheck(in checkInputs) CutoverCheck {
	c := CutoverCheck{ID: CheckMX, StepID: "change-mx", Title: "MX points at the new host", State: CheckPending}
	_, aa := in.prop.Counts("authoritative")
	switch {
	case len(in.prop.Expect) == 0:
		c.Summary = "Mailshift does not know the new host's MX for this destination; check it by hand."
	case aa == 0:
		c.Summary = "No name server of the domain answered; the MX could not be checked."
		c.Action = "Check the internet connection; the check runs again by itself."
	case !in.mxChanged():
		c.Summary = "The domain's name servers still give the old MX."
		c.Action = "At the DNS host, replace the MX records by: " + in.project.Domain + " MX 0 " + in.prop.Expect[0]
		if in.cutoverPassed() {
			c.State = CheckFailed
			c.Summary = "The cutover time has passed and the name servers still give the old MX."
		}
	default:
		c.State, c.Summary = CheckPassed, "The name servers give the new MX ("+strings.Join(in.prop.Expect, ", ")+")."
		for _, f := range findingsOf(in.report.Findings, "mx") {
			if f.Severity == domain.SeverityWarning || f.Severity == domain.SeverityBlocker {
				c.State, c.Summary, c.Action = CheckFailed, f.Summary, f.Action
				break
			}
		}
	}
	return c
}

func propagationCheck(in checkInputs) CutoverCheck {
	c := CutoverCheck{ID: CheckPropagation, StepID: "change-mx", Title: "Resolvers see the new MX", State: CheckPending}
	seen, answered := in.prop.Counts("resolver")
	c.Summary = fmt.Sprintf("%d of %d resolvers see the new MX.", seen, answered)
	if len(in.prop.Expect) == 0 {
		agree := 0
		for _, o := range in.prop.Observations {
			if o.Kind == "resolver" && o.Error == "" && !o.Unexpected {
				agree++
			}
		}
		c.Summary = fmt.Sprintf("Mailshift does not know the new host's MX for this destination; %d of %d resolvers give the name servers' MX.", agree, answered)
	}
	switch {
	case in.prop.Complete():
		c.State = CheckPassed
	case !in.mxChanged():
		c.Action = "Propagation starts once the MX is changed."
	case in.goneKnown:
		c.Summary = strings.TrimSuffix(c.Summary, ".") + "; the others may keep the old MX in their cache until " + in.goneBy.Local().Format("Mon 2 Jan 15:04") + "."
	}
	if failed := countKind(in.prop, "resolver") - answered; failed > 0 {
		c.Summary = strings.TrimSuffix(c.Summary, ".") + fmt.Sprintf(" (%d resolver(s) did not answer).", failed)
	}
	return c
}

func countKind(p domain.Propagation, kind string) int {
	n := 0
	for _, o := range p.Observations {
		if o.Kind == kind {
			n++
		}
	}
	return n
}

// recordCheck judges a DNS record the cutover changes (SPF, Autodiscover)
// from the domain report: right -> passed; wrong -> failed once the MX was
// changed or the cutover time passed, pending ("to do") before.
func recordCheck(in checkInputs, c CutoverCheck, wrong []domain.Finding, ok bool, unknown string) CutoverCheck {
	c.State = CheckPending
	switch {
	case len(in.report.Findings) == 0 || allNotRun(findingsOf(in.report.Findings, c.ID)):
		c.Summary = "The domain check has not run (offline?); it runs again by itself."
	case unknown != "":
		c.Summary = unknown
	case len(wrong) > 0:
		c.Summary, c.Action = wrong[0].Summary, wrong[0].Action
		if in.mxChanged() || in.cutoverPassed() {
			c.State = CheckFailed
		}
	case ok:
		c.State = CheckPassed
		if fs := findingsOf(in.report.Findings, c.ID); len(fs) > 0 {
			c.Summary = fs[0].Summary
		}
	}
	return c
}

func spfCheck(in checkInputs) CutoverCheck {
	c := CutoverCheck{ID: CheckSPF, StepID: "change-mx", Title: "SPF includes the new host"}
	prof, _ := domain.ProfileByName(domainRequest(in.project).Profile)
	unknown := ""
	if prof.SPFInclude == "" {
		unknown = "Mailshift does not know the new host's SPF include; check the SPF record by hand."
	}
	wrong := findingsOf(in.report.Findings, "spf.newhost")
	if len(wrong) == 0 && domain.Worst(findingsOf(in.report.Findings, "spf")) == domain.SeverityWarning {
		for _, f := range findingsOf(in.report.Findings, "spf") {
			if f.Check == "spf" && f.Severity == domain.SeverityWarning { // missing or broken record
				wrong = append(wrong, f)
			}
		}
	}
	c = recordCheck(in, c, wrong, true, unknown)
	if c.State == CheckPassed {
		c.Summary = "The SPF record includes " + prof.SPFInclude + "."
	}
	return c
}

func autodiscoverCheck(in checkInputs) CutoverCheck {
	c := CutoverCheck{ID: CheckAutodiscover, StepID: "change-mx", Title: "Autodiscover points at the new host"}
	prof, _ := domain.ProfileByName(domainRequest(in.project).Profile)
	unknown := ""
	if prof.AutodiscoverTarget == "" {
		unknown = "This destination has no Autodiscover of its own; mail apps are set up by hand."
	}
	fs := findingsOf(in.report.Findings, "autodiscover")
	var wrong []domain.Finding
	for _, f := range fs {
		if f.Severity != domain.SeverityOK && f.Action != "" {
			wrong = append(wrong, f)
		}
	}
	return recordCheck(in, c, wrong, domain.Worst(fs) == domain.SeverityOK, unknown)
}

func deltaCheck(in checkInputs) CutoverCheck {
	c := CutoverCheck{ID: CheckFinalDelta, StepID: "final-delta", Title: "Final delta done", State: CheckPending}
	if !in.haveDelta {
		c.Summary = "The final delta has not run yet."
		c.Action = "Run it once the old MX has left every cache, so it catches the last mail that reached the old host."
		return c
	}
	j := in.delta
	switch j.State {
	case JobDone:
		c.State, c.Summary = CheckPassed, "Final delta done: "+j.Message
	case JobExceptions, JobIncomplete, JobFailed:
		c.State, c.Summary = CheckFailed, "The final delta "+string(j.State)+": "+j.Message
		c.Action = "Look at the errors on the Migration screen, fix them and run the final delta again."
	case JobRunning:
		c.Summary = fmt.Sprintf("The final delta is running: %s (%d of %d).", j.Progress.Phase, j.Progress.Done, j.Progress.Total)
	default:
		c.Summary, c.Action = "The final delta is "+string(j.State)+".", "Run it again; it continues where it stopped."
	}
	return c
}

func reconcileCheck(in checkInputs) CutoverCheck {
	c := CutoverCheck{ID: CheckReconcile, StepID: "sign-off", Title: "Reconciliation clean", State: CheckPending}
	switch {
	case !in.haveRec:
		c.Summary, c.Action = "Not reconciled yet.", "Reconcile after the final delta."
	case in.haveDelta && in.delta.Ended.After(in.rec.At):
		c.Summary, c.Action = "The last reconciliation is older than the final delta.", "Reconcile again."
	case in.rec.OK():
		c.State, c.Summary = CheckPassed, "Reconciled "+in.rec.At.Local().Format("Mon 2 Jan 15:04")+": "+in.rec.Verdict()+"."
	default:
		c.State, c.Summary = CheckFailed, "Reconciled "+in.rec.At.Local().Format("Mon 2 Jan 15:04")+": "+in.rec.Verdict()+"."
		c.Action = "See the differences on the Migration screen; push again or explain each one before the sign-off."
	}
	return c
}
