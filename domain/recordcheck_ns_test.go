package domain

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// rcZoneChecks runs the NS, SOA and DNSSEC checks of shop.example on n.
func rcZoneChecks(t *testing.T, n *rcNet) (ns, soa, dnssec []Finding) {
	t.Helper()
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	z := rcZone(t, rn)
	ctx := testCtx(t)
	return rn.checkNS(ctx, z), rn.checkSOA(ctx, z), rn.checkDNSSEC(ctx, z)
}

// Both name servers answer with the same zone the registry delegates to.
func TestRecordCheckNSAgreeing(t *testing.T) {
	ns, soa, dnssec := rcZoneChecks(t, rcStartNet(t, rcShop(t, rcNewMX), ""))
	rcExpect(t, ns, rcWant{check: "ns", sev: SeverityOK,
		summary:  "The domain's DNS is served by 2 name servers (ns1.shop.example, ns2.shop.example), all answering, and the registry agrees.",
		evidence: []string{"shop.example 172800 NS ns1.shop.example. [a.nic.example (192.0.2.2)]", "shop.example 3600 NS ns2.shop.example. [ns1.shop.example (192.0.2.10)]"}})
	rcExpect(t, soa, rcWant{check: "soa", sev: SeverityOK, summary: "All 2 answering name servers have the same version of the zone (serial 2026010501)."})
	rcExpect(t, dnssec, rcWant{check: "dnssec", sev: SeverityInfo, summary: "The zone is not signed with DNSSEC."})
}

// The zone lists ns3 where the registry (parent) lists ns2.
func TestRecordCheckNSParentDiffersFromZone(t *testing.T) {
	shop := `$TTL 3600
@ SOA ns1.shop.example. h.shop.example. 2026010501 7200 900 1209600 300
@ NS ns1.shop.example.
@ NS ns3.shop.example.
ns1 A 192.0.2.10
ns2 A 192.0.2.11
ns3 A 192.0.2.12
` + rcNewMX
	z := zoneOf(t, "shop.example.", shop)
	n := rcStartNet(t, z, "")
	n.rcServe(t, "ns3", "192.0.2.12", false, z)
	ns, soa, _ := rcZoneChecks(t, n)
	rcExpect(t, ns, rcWant{check: "ns", sev: SeverityWarning,
		summary:  "The registry lists the name servers ns1.shop.example, ns2.shop.example, but the zone itself lists ns1.shop.example, ns3.shop.example.",
		action:   []string{"update the name servers at the registrar or the NS records at the DNS host"},
		evidence: []string{"NS ns2.shop.example. [a.nic.example (192.0.2.2)]", "NS ns3.shop.example. [ns1.shop.example (192.0.2.10)]"}})
	rcExpect(t, soa, rcWant{check: "soa", sev: SeverityOK, summary: "All 3 answering name servers have the same version of the zone (serial 2026010501)."})
}

// A lame server: ns2 answers REFUSED (not configured for the zone), or
// answers from a cache without authority. Either is named with its reason.
func TestRecordCheckNSLameServer(t *testing.T) {
	for _, tc := range []struct {
		name, why string
		lame      func(t *testing.T, n *rcNet)
	}{
		{"refused", "replied REFUSED", func(t *testing.T, n *rcNet) { n.srv["ns2"].setFault(faultRefuse) }},
		{"not authoritative", "answers but not authoritatively (lame)", func(t *testing.T, n *rcNet) {
			n.rcServe(t, "ns2", "192.0.2.11", true, rcShop(t, rcNewMX))
		}},
		{"referral", "answers with a referral instead of serving the zone (lame)", func(t *testing.T, n *rcNet) {
			n.rcServe(t, "ns2", "192.0.2.11", false, zoneOf(t, "example.", tldZone))
		}},
		{"authoritative NXDOMAIN", "says the domain does not exist (NXDOMAIN): it does not serve the zone", func(t *testing.T, n *rcNet) {
			n.rcServe(t, "ns2", "192.0.2.11", false, zoneOf(t, "example.", "$TTL 300\n@ SOA a.nic.example. h.nic.example. 1 1 1 1 1\n@ NS a.nic.example.\n"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := rcStartNet(t, rcShop(t, rcNewMX), "")
			tc.lame(t, n)
			ns, soa, _ := rcZoneChecks(t, n)
			rcExpect(t, ns, rcWant{check: "ns.lame", sev: SeverityWarning,
				summary:  "1 of 2 name servers do not answer for the domain: ns2.shop.example (192.0.2.11).",
				action:   []string{"Remove these servers from the name-server list"},
				evidence: []string{"shop.example SOA — " + tc.why + " [ns2.shop.example (192.0.2.11)]"}})
			rcExpect(t, soa, rcWant{check: "soa", sev: SeverityOK, summary: "All 1 answering name servers have the same version of the zone (serial 2026010501)."})
		})
	}
}

// Every server answering without authority: nobody serves the zone.
func TestRecordCheckNSAllLame(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.rcServe(t, "ns1", "192.0.2.10", true, rcShop(t, rcNewMX))
	n.rcServe(t, "ns2", "192.0.2.11", true, rcShop(t, rcNewMX))
	ns, soa, _ := rcZoneChecks(t, n)
	rcExpect(t, ns, rcWant{check: "ns.lame", sev: SeverityBlocker, summary: "None of the domain's name servers answers for it.",
		action: []string{"The DNS host must serve the zone"}, evidence: []string{"[ns1.shop.example (192.0.2.10)]", "[ns2.shop.example (192.0.2.11)]"}})
	if len(soa) != 0 {
		t.Errorf("no serial to compare, want no soa finding:\n%s", rcDump(soa))
	}
}

// ns2 still serves yesterday's zone: the serials disagree.
func TestRecordCheckSOASerialDisagreement(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	old := strings.Replace(rcShopHead, "2026010501", "2026010400", 1)
	n.rcServe(t, "ns2", "192.0.2.11", false, zoneOf(t, "shop.example.", old+rcNewMX))
	_, soa, _ := rcZoneChecks(t, n)
	rcExpect(t, soa, rcWant{check: "soa", sev: SeverityWarning,
		summary:  "The name servers have different versions of the zone: newest serial 2026010501, but ns2.shop.example (192.0.2.11) (serial 2026010400) lag behind.",
		action:   []string{"ask the DNS host to fix the transfer to the lagging servers"},
		evidence: []string{"2026010501 7200 900 1209600 300 [ns1.shop.example (192.0.2.10)]", "2026010400 7200 900 1209600 300 [ns2.shop.example (192.0.2.11)]"}})
}

// A signed zone with its DS at the registry, asked of a validating
// resolver: reported as signed, with the DS and the resolver's AD bit.
func TestRecordCheckDNSSECSigned(t *testing.T) {
	shop := rcShop(t, rcNewMX)
	ds := rcSign(t, shop)
	n := rcStartNet(t, shop, ds)
	r := serve(t, true, zoneOf(t, ".", rcRootZone), zoneOf(t, "example.", tldZone+ds), shop)
	n.cfg.Resolvers = []Resolver{{Name: "validating resolver", Addr: r.Addr}}
	_, _, dnssec := rcZoneChecks(t, n)
	rcExpect(t, dnssec, rcWant{check: "dnssec", sev: SeverityInfo,
		summary:  "The zone is signed with DNSSEC (signatures from 2 of 2 servers; 1 DS records at the registry).",
		action:   []string{"remove the DS records at the registrar first"},
		evidence: []string{"shop.example 3600 DS ", "validated (AD bit) by validating resolver"}})
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	if l := rn.r.lookup(testCtx(t), "shop.example", dns.TypeMX); !l.Signed || len(l.Records) != 1 {
		t.Errorf("MX lookup of a signed zone: signed=%v records=%v", l.Signed, l.Records)
	}
}

// DS at the registry but no signatures from the servers: validating
// resolvers refuse the domain — a blocker naming that cause (a resolver
// seen rejecting it is in the evidence).
func TestRecordCheckDNSSECDSWithoutSignatures(t *testing.T) {
	signed := rcShop(t, rcNewMX)
	ds := rcSign(t, signed)
	n := rcStartNet(t, rcShop(t, rcNewMX), ds)
	bad := serve(t, true, zoneOf(t, ".", rcRootZone), zoneOf(t, "example.", tldZone+ds), rcShop(t, rcNewMX))
	bad.setFault(faultBogus)
	n.cfg.Resolvers = []Resolver{{Name: "resolver B", Addr: bad.Addr}}
	_, _, dnssec := rcZoneChecks(t, n)
	rcExpect(t, dnssec, rcWant{check: "dnssec", sev: SeverityBlocker,
		summary:  "The registry says the zone is signed with DNSSEC (DS records), but the name servers send no signatures: validating resolvers will refuse the domain.",
		action:   []string{"remove the DS records at the registrar"},
		evidence: []string{"DS ", "DNSSEC validation fails [resolver B]"}})
}

// Every server refusing the zone (lame by REFUSED): the same blocker as
// every server answering without authority, naming the reply.
func TestRecordCheckNSAllRefused(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.srv["ns1"].setFault(faultRefuse)
	n.srv["ns2"].setFault(faultRefuse)
	rep, err := NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	var ns []Finding
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Check, "ns") || f.Check == "soa" || f.Check == "mx" {
			ns = append(ns, f)
		}
	}
	rcExpect(t, ns, rcWant{check: "ns.lame", sev: SeverityBlocker,
		summary:  "None of the domain's name servers answers for it: the name servers of shop.example replied REFUSED.",
		action:   []string{"The DNS host must serve the zone"},
		evidence: []string{"shop.example SOA — replied REFUSED [ns1.shop.example (192.0.2.10)]", "shop.example SOA — replied REFUSED [ns2.shop.example (192.0.2.11)]"}})
}

// A validating resolver rejects the signatures (SERVFAIL, but an answer
// with checking disabled): a blocker naming it; another that validates is
// still listed.
func TestRecordCheckDNSSECBogus(t *testing.T) {
	shop := rcShop(t, rcNewMX)
	ds := rcSign(t, shop)
	n := rcStartNet(t, shop, ds)
	zones := []*fixtureZone{zoneOf(t, ".", rcRootZone), zoneOf(t, "example.", tldZone+ds), shop}
	good, bad := serve(t, true, zones...), serve(t, true, zones...)
	bad.setFault(faultBogus)
	n.cfg.Resolvers = []Resolver{{Name: "resolver A", Addr: good.Addr}, {Name: "resolver B", Addr: bad.Addr}}
	_, _, dnssec := rcZoneChecks(t, n)
	rcExpect(t, dnssec, rcWant{check: "dnssec", sev: SeverityBlocker,
		summary:  "Validating resolvers (resolver B) reject the zone's DNSSEC signatures: for their users the domain and its mail do not exist.",
		action:   []string{"re-sign the zone", "DS records at the registrar"},
		evidence: []string{"shop.example SOA — SERVFAIL, but answers with checking disabled (CD): DNSSEC validation fails [resolver B]", "validated (AD bit) by resolver A"}})
}

// A resolver failing an unsigned zone is no DNSSEC problem.
func TestRecordCheckDNSSECUnsignedResolverFailureIsNotBogus(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	bad := serve(t, true, zoneOf(t, ".", rcRootZone), zoneOf(t, "example.", tldZone), rcShop(t, rcNewMX))
	bad.setFault(faultBogus)
	n.cfg.Resolvers = []Resolver{{Name: "resolver B", Addr: bad.Addr}}
	_, _, dnssec := rcZoneChecks(t, n)
	rcExpect(t, dnssec, rcWant{check: "dnssec", sev: SeverityInfo, summary: "The zone is not signed with DNSSEC."})
}
