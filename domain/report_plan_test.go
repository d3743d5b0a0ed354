package domain

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// A full check carries the expected-records plan it computed, equal to a
// separate Expected run on the same DNS, and the plan survives the
// report's JSON (the app keeps reports as snapshots).
func TestCheckReportCarriesTheExpectedRecordsPlan(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, stop, err := StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := NewChecker(cfg)
	req := Request{Domain: DemoDomain, Profile: "m365", Cutover: time.Now().Add(-time.Hour)}
	rep, err := c.Check(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Plan == nil || len(rep.Plan.Changes) == 0 {
		t.Fatalf("the demo domain needs changes for Microsoft 365; report plan = %+v", rep.Plan)
	}
	alone, err := c.Expected(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*rep.Plan, alone) {
		t.Fatalf("Check's plan differs from Expected's:\ncheck:    %+v\nexpected: %+v", *rep.Plan, alone)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Plan == nil || !reflect.DeepEqual(*back.Plan, *rep.Plan) {
		t.Fatalf("the plan did not survive JSON: %+v", back.Plan)
	}

	// Without a destination there is nothing to plan.
	none, err := c.Check(ctx, Request{Domain: DemoDomain})
	if err != nil {
		t.Fatal(err)
	}
	if none.Plan != nil {
		t.Fatalf("no profile: want no plan, got %+v", none.Plan)
	}
}
