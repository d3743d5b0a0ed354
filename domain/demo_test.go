package domain

import (
	"context"
	"strings"
	"testing"
	"time"
)

// checkDemo runs every check on the demo fixture (cutover an hour ago).
func checkDemo(t *testing.T) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cfg, stop, err := StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	start := time.Now()
	rep, err := NewChecker(cfg).Check(ctx, Request{Domain: DemoDomain, Profile: "m365", Cutover: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the demo check took %v; it runs on loopback and must take seconds", d)
	}
	return rep
}

// findingOf returns the first finding of a check, failing the test if none.
func findingOf(t *testing.T, rep Report, check string) Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no %q finding in %d findings", check, len(rep.Findings))
	return Finding{}
}

// The demo models cutover day: every state StartDemo promises shows as a
// finding with the right severity, something to do, and its evidence.
func TestDemoCutoverDayFindings(t *testing.T) {
	rep := checkDemo(t)
	want := []struct {
		check, summary string
		sev            Severity
	}{
		{"rdap.expiry", "expires on", SeverityBlocker},
		{"mx.backup", "old host", SeverityWarning},
		{"spf.newhost", "spf.protection.outlook.com", SeverityWarning},
		{"dkim", "selector1", SeverityWarning},
		{"autodiscover", "autodiscover.oldhost.test", SeverityWarning},
		{"expected", "5 DNS changes", SeverityWarning},
		{"rdap.recent", "transfer", SeverityWarning},
		{"propagation", "2 of 4 resolvers", SeverityInfo},
		{"ns", "2 name servers", SeverityOK},
		{"soa", "same version", SeverityOK},
		{"ttl.mx", "5 minutes", SeverityOK},
	}
	for _, w := range want {
		f := findingOf(t, rep, w.check)
		if f.Severity != w.sev || !strings.Contains(f.Summary, w.summary) {
			t.Errorf("%s: got %s %q, want %s containing %q", w.check, f.Severity, f.Summary, w.sev, w.summary)
		}
		if (w.sev == SeverityBlocker || w.sev == SeverityWarning) && f.Action == "" {
			t.Errorf("%s: a %s says what to do, got no action", w.check, w.sev)
		}
		if len(f.Evidence) == 0 && w.check != "dkim" {
			t.Errorf("%s: no evidence", w.check)
		}
	}
	if rep.Findings[0].Severity != SeverityBlocker {
		t.Errorf("blockers come first; first finding is %s %s", rep.Findings[0].Severity, rep.Findings[0].Check)
	}
	if Worst(rep.Findings) != SeverityBlocker || rep.Count(SeverityBlocker) != 1 {
		t.Errorf("worst %s, %d blockers; want one blocker", Worst(rep.Findings), rep.Count(SeverityBlocker))
	}
}

// Propagation evidence names each resolver and what it answered with its TTL.
func TestDemoPropagationShowsEachResolversAnswer(t *testing.T) {
	f := findingOf(t, checkDemo(t), "propagation")
	var stale, fresh int
	for _, e := range f.Evidence {
		s := e.String()
		switch {
		case strings.Contains(s, "resolver") && strings.Contains(s, "mail.oldhost.test") && strings.Contains(s, "52000"):
			stale++
		case strings.Contains(s, "resolver") && strings.Contains(s, "mail.protection.outlook.com"):
			fresh++
		}
	}
	if stale != 2 || fresh != 2 {
		t.Errorf("want 2 resolvers with the old MX (TTL 52000) and 2 with the new; got %d and %d:\n%v", stale, fresh, f.Evidence)
	}
}
