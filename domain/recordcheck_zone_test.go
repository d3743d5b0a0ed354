package domain

import "testing"

// A name without a zone of its own is checked in the zone that holds it,
// found by walking up to the TLD's zone itself (the walk stopped below the
// TLD, so a name in the TLD's zone was called "its own zone" and its
// servers could not be listed).
func TestRecordCheckZoneOfANameWithoutItsOwnZone(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX+"a.b MX 10 mail.shop.example.\n"), "")
	for _, tc := range []struct{ domain, apex, summary string }{
		{"b.shop.example", "shop.example", "b.shop.example is not a DNS zone of its own; its records live in the zone shop.example."},
		{"a.nic.example", "example", "a.nic.example is not a DNS zone of its own; its records live in the zone example."},
	} {
		rn := n.rcRun(t, Request{Domain: tc.domain})
		z, fs := rn.zone(testCtx(t))
		if z == nil || z.Apex != tc.apex {
			t.Fatalf("%s: zone %+v, want apex %s (%s)", tc.domain, z, tc.apex, rcDump(fs))
		}
		rcExpect(t, fs, rcWant{check: "ns", sev: SeverityInfo, summary: tc.summary})
		if len(z.ChildNS) == 0 || soaOf(z.SOAs[0]) == nil {
			t.Errorf("%s: the zone's NS set %v and SOA %v must be read", tc.domain, z.ChildNS, z.SOAs)
		}
	}
}
