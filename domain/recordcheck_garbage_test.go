package domain

import (
	"strings"
	"testing"
)

// Name servers replying with bytes that are no DNS message: no panic, and
// the finding says so in words (not a decoder's "buffer size too small"
// next to a loopback port); with one such server the checks go on with the
// other, which is named as answering.
func TestRecordCheckServersReplyWithGarbage(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.srv["ns1"].setFault(faultGarbage)
	n.srv["ns2"].setFault(faultGarbage)
	rep, err := NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365"})
	if err != nil {
		t.Fatal(err)
	}
	var ns []Finding
	for _, f := range rep.Findings {
		if f.Check != "rdap" {
			ns = append(ns, f)
		}
	}
	rcExpect(t, ns, rcWant{check: "ns.lame", sev: SeverityBlocker,
		summary: "None of the domain's name servers answers for it: the name servers of shop.example replied with something that is not a valid DNS message.",
		evidence: []string{"shop.example SOA — replied with something that is not a valid DNS message [ns1.shop.example (192.0.2.10)]",
			"shop.example SOA — replied with something that is not a valid DNS message [ns2.shop.example (192.0.2.11)]"}})
	if ev := rcEvidence(ns[0]); strings.Contains(ev, "127.0.0.1") || strings.Contains(ev, "dns:") {
		t.Errorf("evidence shows transport internals:\n%s", ev)
	}

	n.srv["ns2"].setFault(faultNone)
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	rcExpect(t, rn.checkNS(testCtx(t), rcZone(t, rn)), rcWant{check: "ns.lame", sev: SeverityWarning,
		summary:  "1 of 2 name servers do not answer for the domain: ns1.shop.example (192.0.2.10).",
		evidence: []string{"shop.example SOA — replied with something that is not a valid DNS message [ns1.shop.example (192.0.2.10)]"}})
	rcExpect(t, rn.checkMX(testCtx(t), nil), rcWant{check: "mx", sev: SeverityOK,
		summary:  "The MX points at the new host (shop-example.mail.protection.outlook.com (priority 0)).",
		evidence: []string{"[ns2.shop.example (192.0.2.11)]"}})
}
