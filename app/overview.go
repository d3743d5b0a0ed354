package app

import (
	"context"
	"fmt"
	"strings"

	"mailshift/domain"
	"mailshift/store"
)

// Health is a project's state at a glance in the projects list.
type Health string

const (
	HealthOK      Health = "ok"      // on track
	HealthWarning Health = "warning" // needs attention soon
	HealthBlocked Health = "blocked" // cannot go on until something is fixed
	HealthDone    Health = "done"    // signed off
)

// ProjectOverview is a project's line in the projects list: where it
// stands and whether anything is in its way.
type ProjectOverview struct {
	store.Project
	Phase      int    // the first phase with a step not done; 0 when every step is done
	PhaseTitle string // that phase's title ("Signed off" when done)
	Done       int    // steps done
	Total      int    // steps in the plan
	Health     Health
	Summary    string // one line saying why Health is what it is
}

// ProjectOverviews returns every project with its phase and health, from
// the checklist and the last domain check (nothing is checked afresh: the
// list must open at once, also offline).
func (a *App) ProjectOverviews(ctx context.Context) ([]ProjectOverview, error) {
	ps, err := a.Projects(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ProjectOverview, 0, len(ps))
	for _, p := range ps {
		o, err := a.overview(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("project %q: %w", p.Name, err)
		}
		out = append(out, o)
	}
	return out, nil
}

func (a *App) overview(ctx context.Context, p store.Project) (ProjectOverview, error) {
	o := ProjectOverview{Project: p, Health: HealthOK}
	steps, err := a.Checklist(ctx, p.ID)
	if err != nil {
		return o, err
	}
	var blocked []string
	for _, s := range steps {
		o.Total++
		if s.Status == StatusDone {
			o.Done++
			continue
		}
		if o.Phase == 0 {
			o.Phase = s.Phase
		}
		if s.Status == StatusBlocked {
			blocked = append(blocked, s.Title)
		}
	}
	o.PhaseTitle = "Signed off"
	for _, ph := range ThePlan {
		if ph.Number == o.Phase {
			o.PhaseTitle = ph.Title
		}
	}
	hist, err := a.DomainHistory(ctx, p.ID)
	if err != nil {
		return o, err
	}
	domainBlockers := 0
	if len(hist) > 0 {
		domainBlockers = hist[len(hist)-1].Count(domain.SeverityBlocker)
	}
	late := !p.CutoverAt.IsZero() && a.now().After(p.CutoverAt)
	switch {
	case o.Phase == 0:
		o.Health, o.Summary = HealthDone, "Signed off."
	case len(blocked) > 0:
		o.Health, o.Summary = HealthBlocked, fmt.Sprintf("Blocked: %s.", strings.Join(blocked, "; "))
	case domainBlockers > 0:
		o.Health, o.Summary = HealthBlocked, fmt.Sprintf("The last domain check found %d blocker(s): open Setup's domain checks.", domainBlockers)
	case late:
		o.Health, o.Summary = HealthWarning, "The cutover date has passed and the plan is not finished."
	case p.CutoverAt.IsZero():
		o.Health, o.Summary = HealthWarning, "No cutover date yet."
	default:
		o.Summary = fmt.Sprintf("%d of %d steps done.", o.Done, o.Total)
	}
	return o, nil
}
