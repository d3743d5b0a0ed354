package domain

import (
	"testing"
	"time"
)

// The only MX target's DNS replies SERVFAIL: whether it has an address is
// unknown, which is said as such — not the blocker "no MX target has an
// address", and no "mail goes to" ok either.
func TestRecordCheckMXTargetLookupFails(t *testing.T) {
	n := rcStartNet(t, rcShop(t, "@ MX 10 mx.oldhost.example.\n"), "")
	n.srv["oldhost"].setFault(faultServfail)
	fs := n.rcRun(t, Request{Domain: "shop.example"}).checkMX(testCtx(t), nil)
	rcExpect(t, fs, rcWant{check: "mx.target", sev: SeverityWarning,
		summary:  "Could not check whether the MX target mx.oldhost.example has an address: the name servers of oldhost.example replied SERVFAIL.",
		action:   []string{"Run the checks again later"},
		evidence: []string{"MX 10 mx.oldhost.example.", "mx.oldhost.example — address could not be looked up: the name servers of oldhost.example replied SERVFAIL"}})
}

// The old host's backup MX sits behind servers that never answer: the
// backup MX is still named, its address is "not known" rather than
// "none", and the check ends within the configured timeout.
func TestRecordCheckMXBackupTargetTimesOut(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX+"@ MX 10 mx.oldhost.example.\n"), "")
	n.srv["oldhost"].setFault(faultDrop)
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	var fs []Finding
	rcWithin(t, 4*n.cfg.Timeout+1500*time.Millisecond, func() { fs = rn.checkMX(testCtx(t), nil) })
	rcExpect(t, fs,
		rcWant{check: "mx.target", sev: SeverityWarning,
			summary:  "Could not check whether the MX target mx.oldhost.example has an address: none of the name servers of oldhost.example answered in time.",
			evidence: []string{"shop-example.mail.protection.outlook.com — resolves to 52.101.0.1"}},
		rcWant{check: "mx.backup", sev: SeverityWarning,
			summary:  "A backup MX still points at the old host (mx.oldhost.example (priority 10)); mail lands there whenever the new host is slow or busy.",
			evidence: []string{"MX 0 shop-example.mail.protection.outlook.com.", "MX 10 mx.oldhost.example."}})
}
