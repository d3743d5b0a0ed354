package domain

import (
	"strings"
	"testing"
	"time"
)

// A one-day MX TTL two days before the cutover is late: a warning that
// says to lower it now and when the MX can safely change.
func TestAdviseTTLWarnsWhenNotLoweredInTime(t *testing.T) {
	cutover := time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)
	now := cutover.Add(-48 * time.Hour)
	a := AdviseTTL("MX", 86400*time.Second, now, cutover)
	if a.Severity != SeverityWarning {
		t.Fatalf("severity %s, want warning: %+v", a.Severity, a)
	}
	if want := now.Add(24 * time.Hour); !a.EarliestFlip.Equal(want) {
		t.Fatalf("earliest flip %v, want now + TTL %v", a.EarliestFlip, want)
	}
	if !strings.Contains(a.Summary, "still 1 day") || !strings.Contains(a.Action, "300 seconds") || !strings.Contains(a.Action, a.EarliestFlip.Format("Mon 2 Jan 15:04")) {
		t.Fatalf("summary %q / action %q must name the TTL, the target and the flip time", a.Summary, a.Action)
	}
	// Half a day before the cutover the earliest flip is after it: the action says so.
	late := AdviseTTL("MX", 86400*time.Second, cutover.Add(-12*time.Hour), cutover)
	if late.Severity != SeverityWarning || !strings.Contains(late.Action, "after the planned cutover") {
		t.Fatalf("late advice: %+v", late)
	}
}

// With time left the advice is information with the deadline; short TTLs
// need nothing and can flip now.
func TestAdviseTTLInTimeAndShortTTLs(t *testing.T) {
	cutover := time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)
	now := cutover.Add(-7 * 24 * time.Hour)
	a := AdviseTTL("MX", 86400*time.Second, now, cutover)
	if a.Severity != SeverityInfo || !a.LowerBy.Equal(cutover.Add(-72*time.Hour)) {
		t.Fatalf("a week ahead: %+v, want info and lower by cutover-3 days", a)
	}
	short := AdviseTTL("MX", 300*time.Second, now, cutover)
	if short.Severity != SeverityOK || !short.EarliestFlip.Equal(now) {
		t.Fatalf("5-minute TTL: %+v", short)
	}
	none := AdviseTTL("MX", 86400*time.Second, now, time.Time{})
	if none.Severity != SeverityInfo || !none.LowerBy.IsZero() {
		t.Fatalf("no cutover date: %+v", none)
	}
}

// Check reads the TTL the name servers give: the fixture's one-day MX two
// days before the cutover is a ttl.mx warning with the MX as evidence.
func TestCheckGivesTTLAdviceFromTheLiveMX(t *testing.T) {
	n := startNet(t, shopOldMX, shopOldMX)
	now := time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC)
	n.cfg.Now = func() time.Time { return now }
	rep, err := NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365", Cutover: now.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f := findingOf(t, rep, "ttl.mx")
	if f.Severity != SeverityWarning || len(f.Evidence) == 0 || f.Evidence[0].TTL != 86400 {
		t.Fatalf("ttl.mx: %+v", f)
	}
	if ns := findingOf(t, rep, "ttl.ns"); !strings.Contains(ns.Summary, "1 hour") {
		t.Fatalf("ttl.ns: %+v", ns)
	}
}
