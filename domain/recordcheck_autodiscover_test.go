package domain

import "testing"

// The _autodiscover._tcp SRV record lives in a zone whose server fails
// (SERVFAIL): with no autodiscover.<domain> record either, whether
// Autodiscover is set up is unknown — said as such, not "not set up".
func TestRecordCheckAutodiscoverSRVLookupFails(t *testing.T) {
	shop := rcShop(t, rcNewMX+"_tcp NS ns.srv.esp.example.\n")
	n := rcStartNet(t, shop, "esp NS ns.esp.example.\nns.esp A 192.0.2.60\n")
	n.rcServe(t, "esp", "192.0.2.60", false, zoneOf(t, "esp.example.", "$TTL 300\n@ SOA ns.esp.example. h.esp.example. 1 1 1 1 1\n@ NS ns.esp.example.\nns A 192.0.2.60\nns.srv A 192.0.2.61\n"))
	n.rcServe(t, "srv", "192.0.2.61", false, zoneOf(t, "_tcp.shop.example.", "$TTL 300\n@ SOA ns.srv.esp.example. h.esp.example. 1 1 1 1 1\n@ NS ns.srv.esp.example.\n_autodiscover SRV 0 0 443 autodiscover.outlook.com.\n")).setFault(faultServfail)
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	rcExpect(t, rn.checkAutodiscover(testCtx(t), nil), rcWant{check: "autodiscover", sev: SeverityWarning,
		summary:  "Could not read the Autodiscover records: the name servers of _tcp.shop.example replied SERVFAIL.",
		action:   []string{"run the checks again"},
		evidence: []string{"_autodiscover._tcp.shop.example"}})

	n.srv["srv"].setFault(faultNone) // the same delegation answering: the SRV record is found through it
	rn = n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	rcExpect(t, rn.checkAutodiscover(testCtx(t), nil), rcWant{check: "autodiscover", sev: SeverityOK,
		summary:  "Autodiscover points at autodiscover.outlook.com: Outlook will find the new host.",
		evidence: []string{"_autodiscover._tcp.shop.example 300 SRV 0 0 443 autodiscover.outlook.com. [ns.srv.esp.example (192.0.2.61)]"}})
}
