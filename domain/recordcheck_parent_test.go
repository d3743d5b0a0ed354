package domain

import (
	"testing"
	"time"
)

// The registry's (TLD's) server never answers: Check ends within the
// configured timeout (2 tries of 300ms, plus slack for a loaded machine)
// with a finding naming the silent zone, and asks the shop's servers nothing.
func TestRecordCheckParentServerNeverAnswers(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.srv["tld"].setFault(faultDrop)
	var rep Report
	rcWithin(t, 2*n.cfg.Timeout+1500*time.Millisecond, func() {
		var err error
		if rep, err = NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365"}); err != nil {
			t.Fatal(err)
		}
	})
	var dns []Finding
	for _, f := range rep.Findings {
		if f.Check != "rdap" {
			dns = append(dns, f)
		}
	}
	rcExpect(t, dns, rcWant{check: "ns", sev: SeverityWarning,
		summary:  "Could not read the domain's DNS zone: none of the name servers of example answered in time.",
		evidence: []string{"a.nic.example (192.0.2.2): no reply (timeout)"}})
	if q := n.srv["ns1"].queryCount() + n.srv["ns2"].queryCount(); q != 0 {
		t.Errorf("the shop's servers were asked %d questions without a delegation to them", q)
	}
}
