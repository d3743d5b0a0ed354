package cli

import (
	"strings"
	"testing"
	"time"
)

// The demo domain is answered by the loopback fixture: the check prints
// findings blockers first with what to do, and exits 1 for the blocker.
func TestDNSCheckOnTheDemoDomain(t *testing.T) {
	r := runCLI(t, t.TempDir(), nil, "dns", "check", "demo-company.test", "--profile", "m365")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (a blocker); stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{"1 blocker(s)", "BLOCKER", "[rdap.expiry]", "what to do:", "WARNING", "[mx.backup]",
		"include:spf.protection.outlook.com", "2 of 4 resolvers"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Index(r.stdout, "BLOCKER") > strings.Index(r.stdout, "WARNING") {
		t.Error("blockers must come before warnings")
	}
	if !strings.Contains(r.stderr, "fixture on 127.0.0.1") {
		t.Errorf("the demo must say its DNS is a fixture: %q", r.stderr)
	}
}

func TestDNSRecordsListsWhatToCreate(t *testing.T) {
	r := runCLI(t, t.TempDir(), nil, "dns", "records", "demo-company.test", "--profile", "m365", "--tenant", "democo")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"remove", "mx2.oldhost.test", "change", "autodiscover.outlook.com", "add",
		"selector1-demo-company-test._domainkey.democo.onmicrosoft.com", "SPF record to publish:", "DNS lookups of the 10 allowed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runCLI(t, t.TempDir(), nil, "dns", "records", "demo-company.test"); r.code != 2 || !strings.Contains(r.stderr, "--profile m365") {
		t.Errorf("records without a profile: exit %d %q", r.code, r.stderr)
	}
}

// Watch is bounded: two resolvers of the demo keep the old MX, so after
// --times rounds it stops and exits 1, saying to keep the old host.
func TestDNSWatchIsBoundedAndSaysWhatRemains(t *testing.T) {
	start := time.Now()
	r := runCLI(t, t.TempDir(), nil, "dns", "watch", "demo-company.test", "--profile", "m365", "--times", "2", "--every", "1s")
	if r.code != 1 || !strings.Contains(r.stdout, "keep the old host receiving") {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stdout, "resolvers"); n < 2 {
		t.Errorf("want a line per round, got:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Demo resolver C") || !strings.Contains(r.stdout, "old") {
		t.Errorf("the first round lists every server and its answer:\n%s", r.stdout)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("two rounds took %v", d)
	}
}

// With no reachable DNS every check says "not run" quickly; never a pass.
func TestDNSCheckOfflineSaysNotRun(t *testing.T) {
	start := time.Now()
	r := runCLI(t, t.TempDir(), nil, "dns", "check", "example.com", "--roots", "127.0.0.1:9", "--resolvers", "127.0.0.1:9", "--timeout", "300ms")
	if r.code != 1 || !strings.Contains(r.stdout, "not run: offline") || strings.Contains(r.stdout, "\nOK\n") {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("offline check took %v", d)
	}
}

func TestDNSBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"dns", "check", "exa mple.com"},
		{"dns", "check", "user@example.com"},
		{"dns", "check"},
		{"dns", "check", "a.com", "b.com"},
		{"dns", "frobnicate"},
		{"dns", "watch", "demo-company.test", "--times", "0"},
	} {
		r := runCLI(t, t.TempDir(), nil, args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, r.code, r.stderr)
		}
	}
}

// With --project the findings are kept in the project and decide the
// pre-flight step, which the checklist then shows as blocked.
func TestDNSCheckForAProjectKeepsTheFindings(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, dir, nil, "project", "new", "Demo Co", "--domain", "demo-company.test",
		"--source", "imaps://mail.oldhost.test", "--profile", "m365", "--cutover", aWeekAhead(), "--by", "Tess")
	if r.code != 0 {
		t.Fatalf("project new: %+v", r)
	}
	id := strings.Fields(strings.TrimPrefix(r.stdout, "created project "))[0]
	r = runCLI(t, dir, nil, "dns", "check", "--project", id)
	if r.code != 1 || !strings.Contains(r.stdout, "[rdap.expiry]") {
		t.Fatalf("dns check --project: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, dir, nil, "checklist", "show", "--project", id)
	if r.code != 0 || !strings.Contains(r.stdout, "domain-preflight") {
		t.Fatalf("checklist show: %+v", r)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "domain-preflight") && !strings.HasPrefix(line, "[!]") {
			t.Errorf("domain-preflight should be blocked ([!]) by the registration finding: %q", line)
		}
	}
	if r := runCLI(t, dir, nil, "dns", "check", "other.test", "--project", id); r.code != 2 {
		t.Errorf("a domain that is not the project's: exit %d %q", r.code, r.stderr)
	}
}

func TestDNSDiscoverOffersTheOldHostsIMAPServer(t *testing.T) {
	r := runCLI(t, t.TempDir(), nil, "dns", "discover", "ann@demo-company.test")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	first := strings.SplitN(r.stdout, "\n", 2)[0]
	if !strings.Contains(first, "imap.oldhost.test:993 (tls), from SRV _imaps._tcp") {
		t.Errorf("the SRV record's server comes first: %q", first)
	}
	if !strings.Contains(r.stdout, "mailshift test-connection imaps://imap.oldhost.test:993 --user ann@demo-company.test") {
		t.Errorf("each candidate says how to test it:\n%s", r.stdout)
	}
	if r := runCLI(t, t.TempDir(), nil, "dns", "discover"); r.code != 2 {
		t.Errorf("no address: exit %d", r.code)
	}
}

// Every verb's --help says how to use it; check's says what the exit status means.
func TestDNSHelp(t *testing.T) {
	r := runCLI(t, t.TempDir(), nil, "dns", "check", "--help")
	out := r.stdout + r.stderr
	if !strings.Contains(out, "Exit status 1 when there is a") || !strings.Contains(out, "-expect-mx") || !strings.Contains(out, "-profile") {
		t.Fatalf("dns check --help (exit %d):\n%s", r.code, out)
	}
	for _, verb := range []string{"watch", "records", "discover"} {
		r := runCLI(t, t.TempDir(), nil, "dns", verb, "--help")
		if !strings.Contains(r.stdout+r.stderr, "dns "+verb) {
			t.Errorf("dns %s --help:\n%s%s", verb, r.stdout, r.stderr)
		}
	}
	if r := runCLI(t, t.TempDir(), nil, "dns", "frobnicate"); r.code == 0 || !strings.Contains(r.stderr, "check, watch, records") && !strings.Contains(r.stderr, "unknown verb") {
		t.Errorf("unknown verb: exit %d %q", r.code, r.stderr)
	}
}

// Offline, watch still ends after --times rounds with exit 1: nothing
// answered, so nothing is declared propagated.
func TestDNSWatchOfflineEndsAndNeverPasses(t *testing.T) {
	start := time.Now()
	r := runCLI(t, t.TempDir(), nil, "dns", "watch", "example.com", "--expect-mx", "mx.new.example", "--roots", "127.0.0.1:9",
		"--resolvers", "127.0.0.1:9", "--timeout", "300ms", "--times", "2", "--every", "1s")
	if r.code != 1 || !strings.Contains(r.stdout, "did not answer") || strings.Contains(r.stdout, "Every server sees the new MX") {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("two offline rounds took %v", d)
	}
}
