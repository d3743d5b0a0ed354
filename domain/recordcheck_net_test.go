package domain

import (
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The record-check tests run on their own small internet on loopback: a
// root delegating example. (the TLD of netfixture_test.go), outlook.com.
// (the new host, Microsoft 365) and the reverse zone of 198.51.100.0/24;
// the customer's zone shop.example is built per test from rcShopHead.
const (
	rcRootZone = `$TTL 86400
. SOA a.root.example. h.root.example. 1 1800 900 604800 86400
. NS a.root.example.
example. NS a.nic.example.
a.nic.example. A 192.0.2.2
outlook.com. NS ns.outlook.com.
ns.outlook.com. A 192.0.2.30
100.51.198.in-addr.arpa. NS ns.rev.example.
ns.rev.example. A 192.0.2.40
`
	rcOutlookZone = `$TTL 3600
@ SOA ns.outlook.com. h.outlook.com. 1 7200 900 1209600 300
@ NS ns.outlook.com.
ns A 192.0.2.30
spf.protection TXT "v=spf1 ip4:40.92.0.0/15 ip4:52.100.0.0/14 -all"
shop-example.mail.protection A 52.101.0.1
autodiscover A 52.98.0.1
`
	rcReverseZone = `$TTL 3600
@ SOA ns.rev.example. h.rev.example. 1 7200 900 1209600 300
@ NS ns.rev.example.
25 PTR mail.shop.example.
26 PTR mail.shop.example.
`
	// rcShopHead is the customer's zone without mail records; tests add theirs.
	rcShopHead = `$TTL 3600
@ SOA ns1.shop.example. h.shop.example. 2026010501 7200 900 1209600 300
@ NS ns1.shop.example.
@ NS ns2.shop.example.
ns1 A 192.0.2.10
ns2 A 192.0.2.11
mail A 198.51.100.25
`
	// rcNewMX is the Microsoft 365 MX of shop.example (resolves in outlook.com.).
	rcNewMX = "@ 300 MX 0 shop-example.mail.protection.outlook.com.\n"
)

// rcNet is a running record-check test internet.
type rcNet struct {
	cfg Config
	srv map[string]*fixtureServer // "root", "tld", "ns1", "ns2", "oldhost", "outlook", "rev", extra roles
}

// rcShop is the shop.example zone: rcShopHead plus extra records.
func rcShop(t *testing.T, extra string) *fixtureZone {
	t.Helper()
	return zoneOf(t, "shop.example.", rcShopHead+extra)
}

// rcStartNet starts the internet with shop served by ns1 and ns2 and the
// TLD zone of netfixture_test.go plus tldExtra (DS records, delegations).
// It has no resolvers; rcAddResolver adds one.
func rcStartNet(t *testing.T, shop *fixtureZone, tldExtra string) *rcNet {
	t.Helper()
	n := &rcNet{srv: map[string]*fixtureServer{}}
	n.cfg = Config{Timeout: 300 * time.Millisecond, Resolvers: []Resolver{}, AddrOverride: map[string]string{},
		RDAPBootstrap: "http://127.0.0.1:1/bootstrap/"} // nothing listens there
	n.srv["root"] = serve(t, false, zoneOf(t, ".", rcRootZone))
	n.cfg.Roots = []string{n.srv["root"].Addr}
	n.rcServe(t, "tld", "192.0.2.2", false, zoneOf(t, "example.", tldZone+tldExtra))
	n.rcServe(t, "ns1", "192.0.2.10", false, shop)
	n.rcServe(t, "ns2", "192.0.2.11", false, shop)
	n.rcServe(t, "oldhost", "192.0.2.20", false, zoneOf(t, "oldhost.example.", oldhostZone))
	n.rcServe(t, "outlook", "192.0.2.30", false, zoneOf(t, "outlook.com.", rcOutlookZone))
	n.rcServe(t, "rev", "192.0.2.40", false, zoneOf(t, "100.51.198.in-addr.arpa.", rcReverseZone))
	return n
}

// rcServe starts (or replaces) the server of role answering for ip.
func (n *rcNet) rcServe(t *testing.T, role, ip string, resolverMode bool, zs ...*fixtureZone) *fixtureServer {
	t.Helper()
	s := serve(t, resolverMode, zs...)
	n.srv[role] = s
	n.cfg.AddrOverride[ip] = s.Addr
	return s
}

// rcRun prepares one run of the checks as Check does.
func (n *rcNet) rcRun(t *testing.T, req Request) *run {
	t.Helper()
	rn, err := NewChecker(n.cfg).newRun(req)
	if err != nil {
		t.Fatalf("request %+v: %v", req, err)
	}
	return rn
}

// rcZone runs the zone discovery of Check, failing when no zone is found.
func rcZone(t *testing.T, rn *run) *zoneInfo {
	t.Helper()
	z, fs := rn.zone(testCtx(t))
	if z == nil {
		t.Fatalf("zone of %s not found: %+v", rn.domain, fs)
	}
	return z
}

// rcWant is a finding a test requires: its check and severity, its exact
// summary, and text its action and its evidence must contain.
type rcWant struct {
	check    string
	sev      Severity
	summary  string
	action   []string
	evidence []string
}

// rcExpect fails unless fs holds exactly the findings want, in any order.
func rcExpect(t *testing.T, fs []Finding, want ...rcWant) {
	t.Helper()
	if len(fs) != len(want) {
		t.Errorf("%d findings, want %d:\n%s", len(fs), len(want), rcDump(fs))
	}
	for _, w := range want {
		var f *Finding
		for i := range fs {
			if fs[i].Check == w.check && fs[i].Summary == w.summary {
				f = &fs[i]
			}
		}
		if f == nil {
			t.Errorf("no %s finding %q in:\n%s", w.check, w.summary, rcDump(fs))
			continue
		}
		if f.Severity != w.sev {
			t.Errorf("%s %q: severity %s, want %s", w.check, w.summary, f.Severity, w.sev)
		}
		for _, a := range w.action {
			if !strings.Contains(f.Action, a) {
				t.Errorf("%s: action %q lacks %q", w.check, f.Action, a)
			}
		}
		ev := rcEvidence(*f)
		for _, e := range w.evidence {
			if !strings.Contains(ev, e) {
				t.Errorf("%s: evidence lacks %q:\n%s", w.check, e, ev)
			}
		}
	}
}

// rcEvidence renders a finding's evidence one item per line.
func rcEvidence(f Finding) string {
	var lines []string
	for _, e := range f.Evidence {
		lines = append(lines, e.String())
	}
	return strings.Join(lines, "\n")
}

func rcDump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.Check + " " + string(f.Severity) + ": " + f.Summary + " | " + f.Action + "\n")
		for _, e := range f.Evidence {
			b.WriteString("      " + e.String() + "\n")
		}
	}
	return b.String()
}

// rcSign signs every RRset of z with a fresh ECDSA P-256 key (the DNSKEY
// is added to the apex) and returns the DS record for the parent zone.
func rcSign(t *testing.T, z *fixtureZone) string {
	t.Helper()
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: z.apex, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := key.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	z.rrs[z.apex] = append(z.rrs[z.apex], key)
	now := time.Now()
	for owner, rrs := range z.rrs {
		sets := map[uint16][]dns.RR{}
		for _, rr := range rrs {
			sets[rr.Header().Rrtype] = append(sets[rr.Header().Rrtype], rr)
		}
		for typ, set := range sets {
			sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: set[0].Header().Ttl},
				TypeCovered: typ, Algorithm: key.Algorithm, Labels: uint8(dns.CountLabel(owner)), OrigTtl: set[0].Header().Ttl,
				Expiration: uint32(now.Add(24 * time.Hour).Unix()), Inception: uint32(now.Add(-time.Hour).Unix()),
				KeyTag: key.KeyTag(), SignerName: z.apex}
			if err := sig.Sign(priv.(crypto.Signer), set); err != nil {
				t.Fatal(err)
			}
			if err := sig.Verify(key, set); err != nil {
				t.Fatalf("signature of %s %s: %v", owner, dns.TypeToString[typ], err)
			}
			z.rrs[owner] = append(z.rrs[owner], sig)
		}
	}
	return key.ToDS(dns.SHA256).String() + "\n"
}
