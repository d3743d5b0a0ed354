package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailshift/domain"
)

func demoApp(t *testing.T) (*App, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	a, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return a, p.ID
}

// The demo project's domain is checked against the loopback fixture; the
// findings are kept for the report and decide the pre-flight step.
func TestCheckDomainKeepsFindingsAndBlocksThePreflightStep(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	rep, err := a.CheckDomain(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(domain.SeverityBlocker) == 0 {
		t.Fatalf("the demo domain expires within 30 days of the cutover: want a blocker, got %v", rep.Findings)
	}
	st, err := a.step(id, "domain-preflight")
	if err != nil || st.Status != StatusBlocked || st.By != "mailshift" {
		t.Fatalf("domain-preflight after a blocker: %+v %v", st, err)
	}
	if _, err := a.CheckDomain(ctx, id); err != nil {
		t.Fatal(err)
	}
	hist, err := a.DomainHistory(ctx, id)
	if err != nil || len(hist) != 2 || hist[0].Domain != domain.DemoDomain {
		t.Fatalf("history: %d reports, %v", len(hist), err)
	}
	r, err := a.BuildReport(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.DNSBefore.Findings) != len(rep.Findings) || len(r.DNSAfter.Findings) == 0 {
		t.Fatalf("report: before %d findings (want %d), after %d", len(r.DNSBefore.Findings), len(rep.Findings), len(r.DNSAfter.Findings))
	}
}

func TestExpectedRecordsAndPropagationHistory(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	plan, err := a.ExpectedRecords(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var spf bool
	for _, c := range plan.Changes {
		if c.Type == "TXT" && strings.Contains(c.New, "include:spf.protection.outlook.com") {
			spf = true
		}
	}
	if !spf || plan.MergedSPFLookups == 0 {
		t.Fatalf("want the merged SPF with the Microsoft include and its lookup count: %+v", plan)
	}
	for i := 0; i < 2; i++ {
		prop, err := a.CheckPropagation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if seen, answered := prop.Counts("resolver"); seen != 2 || answered != 4 {
			t.Fatalf("demo resolvers: %d of %d see the new MX, want 2 of 4", seen, answered)
		}
		if prop.Complete() {
			t.Fatal("half the resolvers still have the old MX: propagation is not complete")
		}
	}
	hist, err := a.PropagationHistory(ctx, id)
	if err != nil || len(hist) != 2 {
		t.Fatalf("propagation history: %d polls, %v", len(hist), err)
	}
	if hist[1].At.Before(hist[0].At) || len(hist[0].Observations) == 0 || hist[0].Name != domain.DemoDomain {
		t.Fatalf("history must be oldest first with every observation kept: %+v", hist)
	}
	gone, ok, err := a.OldMXGoneBy(ctx, id)
	if err != nil || !ok || !gone.After(hist[0].At) {
		t.Fatalf("the demo's name servers give the new MX, stale resolvers hold the old one for its TTL: gone by %v ok %v err %v", gone, ok, err)
	}
	if st, _ := a.step(id, "change-mx"); st.Status == StatusDone {
		t.Fatal("change-mx must not pass while resolvers still see the old MX")
	}
}

// A project whose domain is not the demo's uses a.DomainBase; with every
// server unreachable the checks end quickly as "not run" and no step is
// decided.
func TestCheckDomainOfflineDecidesNothing(t *testing.T) {
	a := newTestApp(t)
	ps, _ := a.Projects(context.Background())
	a.DomainBase = domain.Config{Roots: []string{"127.0.0.1:9"}, Resolvers: []domain.Resolver{{Name: "none", Addr: "127.0.0.1:9"}},
		Timeout: 200 * time.Millisecond, Retries: -1}
	start := time.Now()
	rep, err := a.CheckDomain(context.Background(), ps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second || !allNotRun(rep.Findings) {
		t.Fatalf("offline check: %v, findings %v", time.Since(start), rep.Findings)
	}
	if st, _ := a.step(ps[0].ID, "domain-preflight"); st.Status != StatusTodo {
		t.Fatalf("offline must not decide the step: %+v", st)
	}
}

// DomainChecker(projectID) gives the demo project a checker on the loopback
// fixture (the same one every call) and refuses an unknown project.
func TestDomainCheckerForTheDemoProject(t *testing.T) {
	a, id := demoApp(t)
	c, err := a.DomainChecker(id)
	if err != nil || c == nil {
		t.Fatalf("DomainChecker(demo): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reg, err := c.Registration(ctx, domain.DemoDomain)
	if err != nil || reg.Registrar == "" {
		t.Fatalf("the demo checker reaches the loopback RDAP: %+v %v", reg, err)
	}
	if _, err := a.DomainChecker("no-such-project"); err == nil {
		t.Fatal("an unknown project must be an error")
	}
}

// Close stops the demo domain's loopback fixture: a checker kept past
// Close can no longer reach it (and fails fast, as offline).
func TestCloseStopsTheDemoDomainFixture(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	c, err := a.DomainChecker(p.ID)
	if err == nil {
		_, err = c.Registration(ctx, domain.DemoDomain)
	}
	stop()
	if cerr := a.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("before Close the demo RDAP answers: %v", err)
	}
	start := time.Now()
	if _, err := c.Registration(ctx, domain.DemoDomain); err == nil {
		t.Fatal("after Close the demo fixture must be gone")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a stopped fixture held the lookup %v", d)
	}
}
