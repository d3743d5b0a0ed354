package domain

import (
	"strings"
	"testing"
)

// A name server listed by the zone and the registry whose host name does
// not exist can never be asked: it is named as not answering, with why
// (it used to be dropped silently, and the NS check said "all answering").
func TestRecordCheckNSServerWithoutAddress(t *testing.T) {
	shop := strings.Replace(rcShopHead, "@ NS ns2.shop.example.\n", "@ NS ns2.shop.example.\n@ NS ns9.gone.example.\n", 1)
	n := rcStartNet(t, zoneOf(t, "shop.example.", shop+rcNewMX), "shop 172800 NS ns9.gone.example.\n")
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	z := rcZone(t, rn)
	rcExpect(t, rn.checkNS(testCtx(t), z), rcWant{check: "ns.lame", sev: SeverityWarning,
		summary:  "1 of 3 name servers do not answer for the domain: ns9.gone.example.",
		action:   []string{"Remove these servers from the name-server list"},
		evidence: []string{"ns9.gone.example — has no address (A/AAAA), so nobody can ask it"}})
	rcExpect(t, rn.checkSOA(testCtx(t), z), rcWant{check: "soa", sev: SeverityOK,
		summary: "All 2 answering name servers have the same version of the zone (serial 2026010501)."})
}

// The name server's own domain does not answer (SERVFAIL): its address is
// unknown, which the evidence says instead of "has no address".
func TestRecordCheckNSServerAddressLookupFails(t *testing.T) {
	shop := strings.Replace(rcShopHead, "@ NS ns2.shop.example.\n", "@ NS ns2.shop.example.\n@ NS ns.oldhost.example.\n", 1)
	n := rcStartNet(t, zoneOf(t, "shop.example.", shop+rcNewMX), "")
	n.srv["oldhost"].setFault(faultServfail)
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	ns := rn.checkNS(testCtx(t), rcZone(t, rn))
	var lame []Finding
	for _, f := range ns {
		if f.Check == "ns.lame" {
			lame = append(lame, f)
		}
	}
	rcExpect(t, lame, rcWant{check: "ns.lame", sev: SeverityWarning,
		summary:  "1 of 3 name servers do not answer for the domain: ns.oldhost.example.",
		evidence: []string{"ns.oldhost.example — its address could not be looked up: the name servers of oldhost.example replied SERVFAIL"}})
}
