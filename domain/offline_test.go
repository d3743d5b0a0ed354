package domain

import (
	"strings"
	"testing"
	"time"
)

// offlineNet is the test internet with every DNS server dropping every
// question (the slowest way to be offline: timeouts, not refusals) and
// nothing listening for RDAP or autoconfig.
func offlineNet(t *testing.T) Config {
	t.Helper()
	n := startNet(t, shopNewMX, shopNewMX, shopOldMX)
	for _, s := range n.servers {
		s.setFault(faultDrop)
	}
	n.cfg.AutoconfigBase = "http://127.0.0.1:1"
	n.cfg.After = func(time.Duration) <-chan time.Time {
		c := make(chan time.Time, 1)
		c <- time.Now()
		return c
	}
	return n.cfg
}

// offlineBound is how long any check may take with a 300ms timeout when
// nothing answers: a few timeouts, never a hang.
const offlineBound = 4 * time.Second

func within(t *testing.T, what string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("%s offline: %v", what, time.Since(start))
	if d := time.Since(start); d > offlineBound {
		t.Errorf("%s took %v offline, want under %v", what, d, offlineBound)
	}
}

// With no server reachable every check ends quickly as "not run: offline":
// never a pass, never a hang.
func TestOfflineChecksEndQuicklyAsNotRun(t *testing.T) {
	cfg := offlineNet(t)
	c := NewChecker(cfg)
	ctx := testCtx(t)
	within(t, "Check", func() {
		rep, err := c.Check(ctx, Request{Domain: "shop.example", Profile: "m365", Cutover: time.Now().Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) < len(allChecks) {
			t.Fatalf("%d findings, want one per check", len(rep.Findings))
		}
		for _, f := range rep.Findings {
			if f.Severity != SeverityNotRun || !strings.HasPrefix(f.Summary, "not run: offline") || f.Action == "" {
				t.Errorf("offline finding %s: %s %q", f.Check, f.Severity, f.Summary)
			}
		}
	})
	within(t, "Propagation", func() {
		p, err := c.Propagation(ctx, PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Complete() || len(p.Observations) != 2 {
			t.Fatalf("offline round: %+v", p)
		}
		for _, o := range p.Observations {
			if o.Error == "" || o.New {
				t.Errorf("offline observation %+v", o)
			}
		}
		if _, ok := OldAnswerGoneBy([]Propagation{p}); ok {
			t.Error("an offline round proves nothing about the old answer")
		}
	})
	within(t, "Watch of 3 rounds", func() {
		hist, err := c.Watch(ctx, PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}}, WatchOptions{Count: 3})
		if err != nil || len(hist) != 3 {
			t.Fatalf("offline watch: %d rounds, %v", len(hist), err)
		}
	})
	within(t, "Registration", func() {
		rn := &run{cfg: cfg.withDefaults(), domain: "shop.example", now: time.Now()}
		fs := rn.checkRegistration(ctx, nil)
		if len(fs) != 1 || fs[0].Severity != SeverityNotRun {
			t.Fatalf("offline RDAP: %+v", fs)
		}
	})
	within(t, "DiscoverIMAP", func() {
		cs, fs, err := c.DiscoverIMAP(ctx, "anna@shop.example")
		if err != nil || len(cs) != 0 {
			t.Fatalf("offline discovery: %+v %v", cs, err)
		}
		if fs[0].Check != "discover" || fs[0].Severity != SeverityNotRun {
			t.Fatalf("offline discovery findings: %+v", fs)
		}
	})
	within(t, "Expected", func() {
		if _, err := c.Expected(ctx, Request{Domain: "shop.example", Profile: "m365"}); err != nil && !isNetErr(err) {
			t.Fatalf("offline expected records: %v", err)
		}
	})
}

// Refused connections (nothing listening at all) end at once too.
func TestOfflineWithNothingListening(t *testing.T) {
	cfg := Config{Roots: []string{"127.0.0.1:1"}, Resolvers: []Resolver{{"nobody", "127.0.0.1:2"}}, Timeout: 300 * time.Millisecond,
		RDAPBootstrap: "http://127.0.0.1:1/", AutoconfigBase: "http://127.0.0.1:1"}
	within(t, "Check", func() {
		rep, err := NewChecker(cfg).Check(testCtx(t), Request{Domain: "shop.example"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Count(SeverityNotRun) != len(rep.Findings) || len(rep.Findings) == 0 {
			t.Fatalf("findings: %+v", rep.Findings)
		}
	})
}
