package domain

import (
	"testing"
)

// rcMX runs the MX check of shop.example with records (and profile).
func rcMX(t *testing.T, profile, records string) []Finding {
	t.Helper()
	n := rcStartNet(t, rcShop(t, records), "")
	return n.rcRun(t, Request{Domain: "shop.example", Profile: profile}).checkMX(testCtx(t), nil)
}

// The MX points at the new host only: ok, with the priority in the evidence.
func TestRecordCheckMXOnTheNewHost(t *testing.T) {
	fs := rcMX(t, "m365", rcNewMX)
	rcExpect(t, fs, rcWant{check: "mx", sev: SeverityOK,
		summary:  "The MX points at the new host (shop-example.mail.protection.outlook.com (priority 0)).",
		evidence: []string{"shop.example 300 MX 0 shop-example.mail.protection.outlook.com. [ns1.shop.example (192.0.2.10)]", "shop-example.mail.protection.outlook.com — resolves to 52.101.0.1"}})
}

// A backup MX (priority 10) still points at the old host.
func TestRecordCheckMXBackupAtTheOldHost(t *testing.T) {
	fs := rcMX(t, "m365", rcNewMX+"@ 300 MX 10 mx.oldhost.example.\n")
	rcExpect(t, fs, rcWant{check: "mx.backup", sev: SeverityWarning,
		summary:  "A backup MX still points at the old host (mx.oldhost.example (priority 10)); mail lands there whenever the new host is slow or busy.",
		action:   []string{"Remove the MX records for mx.oldhost.example (priority 10)."},
		evidence: []string{"MX 0 shop-example.mail.protection.outlook.com.", "MX 10 mx.oldhost.example.", "mx.oldhost.example — resolves to 198.51.100.20"}})
}

// The new host is added but at a worse priority than the old one.
func TestRecordCheckMXNewHostOnlyBackup(t *testing.T) {
	fs := rcMX(t, "m365", "@ 300 MX 20 shop-example.mail.protection.outlook.com.\n@ 300 MX 10 mx.oldhost.example.\n")
	rcExpect(t, fs, rcWant{check: "mx", sev: SeverityWarning,
		summary:  "The new host is only a backup MX; most mail still goes to mx.oldhost.example (priority 10).",
		action:   []string{"Remove the old host's MX records (mx.oldhost.example (priority 10))"},
		evidence: []string{"MX 10 mx.oldhost.example.", "MX 20 shop-example.mail.protection.outlook.com."}})
}

// One MX target has no address (NXDOMAIN): a warning naming it; the
// working target still carries the mail.
func TestRecordCheckMXTargetDoesNotResolve(t *testing.T) {
	fs := rcMX(t, "", "@ MX 10 mail.shop.example.\n@ MX 20 gone.shop.example.\n")
	rcExpect(t, fs,
		rcWant{check: "mx.target", sev: SeverityWarning, summary: "The MX target gone.shop.example has no address; mail sent there is delayed.",
			action:   []string{"Remove that MX record or give the server an address."},
			evidence: []string{"gone.shop.example — has no address (A/AAAA) [ns1.shop.example (192.0.2.10)]", "MX 20 gone.shop.example.", "mail.shop.example — resolves to 198.51.100.25"}},
		rcWant{check: "mx", sev: SeverityOK, summary: "Mail for the domain goes to mail.shop.example (priority 10), gone.shop.example (priority 20).",
			evidence: []string{"MX 10 mail.shop.example."}})
}

// No target resolves: mail cannot be delivered at all — a blocker, and no
// "mail goes to" ok beside it.
func TestRecordCheckMXNoTargetResolves(t *testing.T) {
	fs := rcMX(t, "", "@ MX 10 gone.shop.example.\n@ MX 20 nohost.oldhost.example.\n")
	rcExpect(t, fs,
		rcWant{check: "mx.target", sev: SeverityBlocker, summary: "No MX target has an address: mail to the domain cannot be delivered.",
			action:   []string{"Correct the MX records"},
			evidence: []string{"gone.shop.example — has no address", "nohost.oldhost.example — has no address (A/AAAA) [ns.oldhost.example (192.0.2.20)]"}})
}

// An MX target that is an alias (CNAME) is flagged.
func TestRecordCheckMXTargetIsCNAME(t *testing.T) {
	fs := rcMX(t, "", "@ MX 10 smtp.shop.example.\nsmtp CNAME mail.shop.example.\n")
	rcExpect(t, fs,
		rcWant{check: "mx.target", sev: SeverityWarning, summary: "The MX target smtp.shop.example is an alias (CNAME); some senders refuse that.",
			action: []string{"Point the MX at the server's real name."}, evidence: []string{"smtp.shop.example 3600 CNAME mail.shop.example."}},
		rcWant{check: "mx", sev: SeverityOK, summary: "Mail for the domain goes to smtp.shop.example (priority 10)."})
}

// Evidence about a name that is not a record shows no TTL no server gave.
func TestRecordCheckEvidenceShowsNoInventedTTL(t *testing.T) {
	for _, tc := range []struct {
		e    Evidence
		want string
	}{
		{Evidence{Source: "ns1", Name: "shop.example", Type: "MX", TTL: 300, Value: "0 mx.example."}, "shop.example 300 MX 0 mx.example. [ns1]"},
		{Evidence{Name: "mx.example", Note: "resolves to 192.0.2.1"}, "mx.example — resolves to 192.0.2.1"},
		{Evidence{Source: "ns2", Name: "shop.example", Type: "SOA", Note: "replied REFUSED"}, "shop.example SOA — replied REFUSED [ns2]"},
		{Evidence{Note: "validated"}, "validated"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}

// Old and new host at the same priority: not a backup — senders share the
// mail between them, so part of it still goes to the old host.
func TestRecordCheckMXOldHostAtTheSamePriority(t *testing.T) {
	fs := rcMX(t, "m365", rcNewMX+"@ 300 MX 0 mx.oldhost.example.\n")
	rcExpect(t, fs, rcWant{check: "mx", sev: SeverityWarning,
		summary:  "The old host has the same priority as the new host (shop-example.mail.protection.outlook.com (priority 0), mx.oldhost.example (priority 0)): senders pick one at random, so part of the mail still goes to the old host.",
		action:   []string{"Remove the old host's MX records (mx.oldhost.example (priority 0))"},
		evidence: []string{"MX 0 mx.oldhost.example.", "MX 0 shop-example.mail.protection.outlook.com."}})
}

// A CNAME target after an ordinary one: its finding keeps its own evidence
// (the alias), not a note written later for the same target.
func TestRecordCheckMXSecondTargetIsCNAME(t *testing.T) {
	fs := rcMX(t, "", "@ MX 10 mail.shop.example.\n@ MX 20 smtp.shop.example.\nsmtp CNAME mail.shop.example.\n")
	rcExpect(t, fs,
		rcWant{check: "mx.target", sev: SeverityWarning, summary: "The MX target smtp.shop.example is an alias (CNAME); some senders refuse that.",
			evidence: []string{"smtp.shop.example 3600 CNAME mail.shop.example."}},
		rcWant{check: "mx", sev: SeverityOK, summary: "Mail for the domain goes to mail.shop.example (priority 10), smtp.shop.example (priority 20).",
			evidence: []string{"mail.shop.example — resolves to 198.51.100.25", "smtp.shop.example — resolves to 198.51.100.25"}})
}

// An MX written with an IP address instead of a host name is named as such.
func TestRecordCheckMXTargetIsAnIPAddress(t *testing.T) {
	fs := rcMX(t, "", "@ MX 10 198.51.100.25.\n")
	rcExpect(t, fs,
		rcWant{check: "mx.target", sev: SeverityWarning, summary: "The MX target 198.51.100.25 is an IP address, not a host name; senders look it up as a name and find nothing.",
			action: []string{"Add an A record such as mail.shop.example → 198.51.100.25"}, evidence: []string{"MX 10 198.51.100.25."}},
		rcWant{check: "mx.target", sev: SeverityBlocker, summary: "No MX target has an address: mail to the domain cannot be delivered.",
			evidence: []string{"198.51.100.25 — has no address (A/AAAA)"}})
}
