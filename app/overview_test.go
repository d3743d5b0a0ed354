package app

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The projects list's line per project: phase from the first unfinished
// step, health from blocked steps and the last domain check, late and
// undated projects called out.
func TestProjectOverviews(t *testing.T) {
	a := newTestApp(t) // "now" is 2026-11-23 09:00 UTC; project "Acme" has no cutover date
	ctx := context.Background()
	p, err := a.CreateProject(ctx, NewProject{Name: "Dental", Domain: "dental.test", Profile: "m365",
		CutoverAt: time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateProject(ctx, NewProject{Name: "Late", Domain: "late.test", Profile: "generic",
		CutoverAt: time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	ovs, err := a.ProjectOverviews(ctx)
	if err != nil || len(ovs) != 3 {
		t.Fatalf("%v %+v", err, ovs)
	}
	byName := map[string]ProjectOverview{}
	for _, o := range ovs {
		byName[o.Name] = o
	}
	acme := byName["Dental"]
	if acme.Phase != 1 || acme.Health != HealthOK || acme.Done != 0 || acme.Total == 0 || !strings.Contains(acme.Summary, "0 of") {
		t.Fatalf("new project: %+v", acme)
	}
	if l := byName["Late"]; l.Health != HealthWarning || !strings.Contains(l.Summary, "has passed") {
		t.Fatalf("late: %+v", l)
	}
	if u := byName["Acme"]; u.Health != HealthWarning || !strings.Contains(u.Summary, "No cutover date") {
		t.Fatalf("undated: %+v", u)
	}
	// A failing check blocks its step: the project is blocked, named why.
	if _, err := a.RecordCheck(ctx, p.ID, "domain-preflight", false, "registrar transfer pending", nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"agree-terms", "collect-settings"} {
		if _, err := a.Tick(ctx, p.ID, id, "Tess", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	ovs, _ = a.ProjectOverviews(ctx)
	for _, o := range ovs {
		if o.Name == "Dental" && (o.Health != HealthBlocked || !strings.Contains(o.Summary, "Domain pre-flight") || o.Done != 2 || o.Phase != 1) {
			t.Fatalf("blocked: %+v", o)
		}
	}
}
