package app

import (
	"context"
	"testing"
)

// The demo's pull, push and reconciliation tick the steps they prove; a
// failing run blocks its step, but not one a person overrode with a reason.
func TestRunsTickTheStepsTheyProve(t *testing.T) {
	a := newTestApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	status := func(id string) Step {
		st, err := a.step(p.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if _, err := a.Pull(ctx, p.ID, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	if st := status("initial-pull"); st.Status != StatusDone || st.By != "mailshift" {
		t.Fatalf("after the pull: %+v", st)
	}
	if _, err := a.Push(ctx, p.ID, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Reconcile(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"push-or-export", "verify-copy"} {
		if st := status(id); st.Status != StatusDone || st.By != "mailshift" {
			t.Fatalf("%s: %+v", id, st)
		}
	}
	a.recordRun(ctx, p.ID, "verify-copy", false, "2 messages missing")
	if st := status("verify-copy"); st.Status != StatusBlocked {
		t.Fatalf("a failing run: %+v", st)
	}
	if _, err := a.Tick(ctx, p.ID, "verify-copy", "Tess", "", "the two are spam the customer deleted"); err != nil {
		t.Fatal(err)
	}
	a.recordRun(ctx, p.ID, "verify-copy", false, "2 messages missing")
	if st := status("verify-copy"); st.Status != StatusDone || !st.Override {
		t.Fatalf("an override after a failing run again: %+v", st)
	}
}
