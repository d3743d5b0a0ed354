package domain

import (
	"strings"
	"testing"
)

// Serials wrap (RFC 1982): a server at serial 5 after a wrap is newer than
// one still at 4294967290, so the lagging server is the one at 4294967290.
func TestRecordCheckSOASerialWrap(t *testing.T) {
	n := rcStartNet(t, zoneOf(t, "shop.example.", strings.Replace(rcShopHead, "2026010501", "5", 1)+rcNewMX), "")
	n.rcServe(t, "ns2", "192.0.2.11", false, zoneOf(t, "shop.example.", strings.Replace(rcShopHead, "2026010501", "4294967290", 1)+rcNewMX))
	_, soa, _ := rcZoneChecks(t, n)
	rcExpect(t, soa, rcWant{check: "soa", sev: SeverityWarning,
		summary:  "The name servers have different versions of the zone: newest serial 5, but ns2.shop.example (192.0.2.11) (serial 4294967290) lag behind.",
		evidence: []string{"5 7200 900 1209600 300 [ns1.shop.example (192.0.2.10)]", "4294967290 7200 900 1209600 300 [ns2.shop.example (192.0.2.11)]"}})
}

// Three servers, three serials: the newest is named and both others lag.
func TestRecordCheckSOAThreeSerials(t *testing.T) {
	shop := strings.Replace(rcShopHead, "@ NS ns2.shop.example.\n", "@ NS ns2.shop.example.\n@ NS ns3.shop.example.\nns3 A 192.0.2.12\n", 1)
	n := rcStartNet(t, zoneOf(t, "shop.example.", shop+rcNewMX), "")
	n.rcServe(t, "ns2", "192.0.2.11", false, zoneOf(t, "shop.example.", strings.Replace(shop, "2026010501", "2026010400", 1)+rcNewMX))
	n.rcServe(t, "ns3", "192.0.2.12", false, zoneOf(t, "shop.example.", strings.Replace(shop, "2026010501", "2026010300", 1)+rcNewMX))
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	rcExpect(t, rn.checkSOA(testCtx(t), rcZone(t, rn)), rcWant{check: "soa", sev: SeverityWarning,
		summary: "The name servers have different versions of the zone: newest serial 2026010501, but ns2.shop.example (192.0.2.11) (serial 2026010400); ns3.shop.example (192.0.2.12) (serial 2026010300) lag behind."})
}
