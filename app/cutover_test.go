package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mailshift/domain"
	"mailshift/sync"
)

// On the demo's cutover day the name servers give the new MX, two of four
// resolvers still cache the old one, and SPF and Autodiscover are not
// changed yet: the MX step's checks fail and block it, in plain words.
func TestCutoverStatusOnTheDemoDomain(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	c, err := a.CutoverStatus(ctx, id, CutoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prop, _ := c.Check(CheckPropagation)
	if prop.State != CheckPending || !strings.Contains(prop.Summary, "2 of 4 resolvers see the new MX") {
		t.Fatalf("propagation check: %+v", prop)
	}
	for _, id := range []string{CheckSPF, CheckAutodiscover} {
		if ch, _ := c.Check(id); ch.State != CheckFailed || ch.Action == "" {
			t.Fatalf("%s must fail with what to do once the MX is changed: %+v", id, ch)
		}
	}
	if spf, _ := c.Check(CheckSPF); !strings.Contains(spf.Summary, "spf.protection.outlook.com") {
		t.Fatalf("the SPF check names the missing include: %q", spf.Summary)
	}
	if d, _ := c.Check(CheckFinalDelta); d.State != CheckPending {
		t.Fatalf("no delta has run: %+v", d)
	}
	if len(c.Steps) != 3 || c.Steps[0].ID != "change-mx" || c.Steps[0].Status != StatusBlocked {
		t.Fatalf("phase-3 steps: %+v", c.Steps)
	}
	if len(c.Blockers) != 1 || c.Blockers[0].ID != "change-mx" {
		t.Fatalf("blockers: %+v", c.Blockers)
	}
	if !c.OldMXGoneKnown || !c.OldMXGoneBy.After(c.At) {
		t.Fatalf("stale resolvers hold the old MX for its TTL: gone by %v (%v)", c.OldMXGoneBy, c.OldMXGoneKnown)
	}
	if at, what := c.SafeFlip(); !at.Equal(c.OldMXGoneBy) || !strings.Contains(what, "final delta") {
		t.Fatalf("safe flip %v %q", at, what)
	}

	// A second poll adds to the history, reuses the fresh domain report and
	// writes nothing to the audit log: the verdicts did not change.
	before, _, err := a.Audit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := a.CutoverStatus(ctx, id, CutoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after, _, _ := a.Audit(ctx, id)
	dns, _ := a.db.Snapshots(id, SnapshotDNS)
	if len(c2.History) != 2 || len(after) != len(before) || len(dns) != 1 {
		t.Fatalf("second poll: %d polls in history, audit %d -> %d records, %d domain reports", len(c2.History), len(before), len(after), len(dns))
	}
}

// An earlier blocker stops the flow; an override needs a written reason,
// is logged with it and survives the next poll.
func TestCutoverOverrideNeedsAReasonAndUnblocksTheFlow(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	if _, err := a.CutoverStatus(ctx, id, CutoverOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := a.TickInOrder(ctx, id, "final-delta", "Tess", "", "")
	var be *BlockedError
	if !errors.Is(err, ErrBlockedEarlier) || !errors.As(err, &be) || be.Blockers[0].ID != "change-mx" || !strings.Contains(err.Error(), "override it with a written reason") {
		t.Fatalf("ticking after a blocker: %v", err)
	}
	if _, err := a.TickInOrder(ctx, id, "change-mx", "Tess", "", "  "); !errors.Is(err, ErrReasonRequired) {
		t.Fatalf("override without a reason: %v", err)
	}
	const reason = "SPF and Autodiscover are changed by the customer's web agency at noon"
	st, err := a.TickInOrder(ctx, id, "change-mx", "Tess", "", reason)
	if err != nil || st.Status != StatusDone || !st.Override || st.Reason != reason {
		t.Fatalf("override: %+v %v", st, err)
	}
	recs, _, err := a.Audit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if last.Kind != "step.overridden" || last.Subject != "change-mx" || last.Detail != reason || last.Actor != "Tess" {
		t.Fatalf("audit record: %+v", last)
	}
	c, err := a.CutoverStatus(ctx, id, CutoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Steps[0].Status != StatusDone || !c.Steps[0].Override || len(c.Blockers) != 0 {
		t.Fatalf("the override must survive the next poll: %+v, blockers %v", c.Steps[0], c.Blockers)
	}
	if st, err := a.TickInOrder(ctx, id, "final-delta", "Tess", "", ""); err != nil || st.Status != StatusDone {
		t.Fatalf("after the override the flow goes on: %+v %v", st, err)
	}
}

// A reconciliation with missing messages blocks the sign-off; a clean one
// lifts the block without signing off for the customer.
func TestCutoverReconciliationBlocksAndReleasesSignOff(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	box := "ann@demo-company.test"
	bad := sync.Reconciliation{At: time.Now().Add(-time.Minute), Mailboxes: []sync.MailboxReconcile{{Mailbox: box, Folders: []sync.FolderReconcile{
		{Source: "INBOX", Dest: "INBOX", SourceMessages: 3, Local: 3, DestMessages: 2, Matched: 2, Missing: []sync.Issue{{SourceUID: 3, Code: "refused", Text: "over quota"}}}}}}}
	if err := KeepReconciliation(a.db, id, bad); err != nil {
		t.Fatal(err)
	}
	c, err := a.CutoverStatus(ctx, id, CutoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := c.Check(CheckReconcile)
	if rc.State != CheckFailed || c.Steps[2].ID != "sign-off" || c.Steps[2].Status != StatusBlocked {
		t.Fatalf("missing message: check %+v, sign-off %+v", rc, c.Steps[2])
	}
	good := bad
	good.At = time.Now()
	good.Mailboxes = []sync.MailboxReconcile{{Mailbox: box, Folders: []sync.FolderReconcile{{Source: "INBOX", Dest: "INBOX", SourceMessages: 3, Local: 3, DestMessages: 3, Matched: 3}}}}
	if err := KeepReconciliation(a.db, id, good); err != nil {
		t.Fatal(err)
	}
	if c, err = a.CutoverStatus(ctx, id, CutoverOptions{}); err != nil {
		t.Fatal(err)
	}
	if rc, _ := c.Check(CheckReconcile); rc.State != CheckPassed || c.Steps[2].Status != StatusTodo {
		t.Fatalf("clean again: check %+v, sign-off %+v", rc, c.Steps[2])
	}
}

// The final delta run on the demo servers passes its check; the old INBOX
// is not drained yet (stale caches may still deliver there), so the step
// waits; a reconciliation after the delta passes.
func TestCutoverFinalDeltaOnTheDemo(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	events, stop := a.Events.Subscribe(1024)
	defer stop()
	if err := a.StartDelta(ctx, id, nil, 0); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(2 * time.Minute)
	for done := false; !done; {
		select {
		case ev := <-events:
			if jc, ok := ev.(JobChanged); ok && jc.Job.ID == DeltaJobID(id) && jc.Job.State != JobRunning {
				if jc.Job.State != JobDone {
					t.Fatalf("delta: %s %s", jc.Job.State, jc.Job.Message)
				}
				done = true
			}
		case <-timeout:
			t.Fatal("the final delta did not finish")
		}
	}
	c, err := a.CutoverStatus(ctx, id, CutoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := c.Check(CheckFinalDelta); d.State != CheckPassed {
		t.Fatalf("delta check %+v", d)
	}
	dr, _ := c.Check(CheckDrained)
	if dr.State != CheckPending || !strings.Contains(dr.Summary, "may still send mail to the old host until") || !strings.HasPrefix(dr.Action, "Run the final delta again after") {
		t.Fatalf("drained check right after the MX change: %+v", dr)
	}
	if c.Steps[1].Status != StatusTodo {
		t.Fatalf("final-delta must wait for the drain: %+v", c.Steps[1])
	}
	if _, err := a.Reconcile(ctx, id); err != nil {
		t.Fatal(err)
	}
	if c, err = a.CutoverStatus(ctx, id, CutoverOptions{}); err != nil {
		t.Fatal(err)
	}
	if rc, _ := c.Check(CheckReconcile); rc.State != CheckPassed || c.Steps[2].Status != StatusTodo {
		t.Fatalf("reconciled after the delta: %+v, sign-off %+v", rc, c.Steps[2])
	}
}

// A passing verdict ticks its step only while no earlier step is blocked.
func TestCutoverPassWaitsForTheBlockerBeforeIt(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	if _, err := a.CutoverStatus(ctx, id, CutoverOptions{}); err != nil { // blocks change-mx
		t.Fatal(err)
	}
	pass := stepVerdict{StepID: "final-delta", State: CheckPassed, MayTick: true, Summary: "final delta done"}
	if err := a.recordVerdict(ctx, id, pass); err != nil {
		t.Fatal(err)
	}
	if st, _ := a.step(id, "final-delta"); st.Status != StatusTodo {
		t.Fatalf("ticked behind a blocker: %+v", st)
	}
	if _, err := a.TickInOrder(ctx, id, "change-mx", "Tess", "", "agency changes SPF at noon"); err != nil {
		t.Fatal(err)
	}
	if err := a.recordVerdict(ctx, id, pass); err != nil {
		t.Fatal(err)
	}
	if st, _ := a.step(id, "final-delta"); st.Status != StatusDone || st.By != "mailshift" {
		t.Fatalf("after the override: %+v", st)
	}
}

// The drain verdict from what the pulls saw.
func TestDrainedCheckVerdicts(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	in := checkInputs{now: t0.Add(3 * time.Hour), goneBy: t0.Add(time.Hour), goneKnown: true}
	for _, tc := range []struct {
		name  string
		w     inboxWatch
		state CheckState
		words string
	}{
		{"unread", inboxWatch{unread: []string{"ann@x.test"}}, CheckPending, "ann@x.test has not been read"},
		{"pulled before the old MX left the caches", inboxWatch{lastChange: t0, lastPull: t0.Add(30 * time.Minute)}, CheckPending, "may still send mail"},
		{"quiet long enough", inboxWatch{lastChange: t0.Add(50 * time.Minute), lastPull: t0.Add(2 * time.Hour)}, CheckPassed, "No new mail reached"},
		{"new mail lately", inboxWatch{lastChange: t0.Add(100 * time.Minute), lastPull: t0.Add(2 * time.Hour)}, CheckPending, "counts as drained once"},
	} {
		in.inbox = tc.w
		c := drainedCheck(in)
		if c.State != tc.state || !strings.Contains(c.Summary, tc.words) {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
}

// With every DNS server unreachable the live checks end quickly, decide
// nothing and say so in words.
func TestCutoverStatusOfflineDecidesNothing(t *testing.T) {
	a := newTestApp(t)
	a.DomainBase = domain.Config{Roots: []string{"127.0.0.1:9"}, Resolvers: []domain.Resolver{{Name: "none", Addr: "127.0.0.1:9"}},
		Timeout: 200 * time.Millisecond, Retries: -1}
	start := time.Now()
	c, err := a.CutoverStatus(context.Background(), "acme", CutoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("offline checks took %v", time.Since(start))
	}
	for _, ch := range c.Checks {
		if ch.State != CheckPending || ch.Summary == "" {
			t.Fatalf("offline check %s: %+v", ch.ID, ch)
		}
	}
	for _, st := range c.Steps {
		if st.Status != StatusTodo {
			t.Fatalf("offline must not decide %s: %+v", st.ID, st)
		}
	}
	if c.OldMXGoneKnown || len(c.Blockers) != 0 || len(c.History) != 1 {
		t.Fatalf("offline: gone known %v, blockers %v, %d polls", c.OldMXGoneKnown, c.Blockers, len(c.History))
	}
}
