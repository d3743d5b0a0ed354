package domain

import (
	"testing"
)

// A whole Check on the loopback internet wires every record check: each
// appears once with the severity its fixture calls for, and only the
// registration check (no RDAP server) does not run.
func TestRecordCheckFullCheckRunsEveryRecordCheck(t *testing.T) {
	shop := rcShop(t, rcNewMX+`@ 300 MX 10 mx.oldhost.example.
@ TXT "v=spf1 a:mail.shop.example -all"
_autodiscover._tcp SRV 0 0 443 imap.oldhost.example.
_mta-sts TXT "v=STSv1; id=1"
selector1._domainkey CNAME selector1-shop-example._domainkey.shopco.onmicrosoft.com.
`)
	ds := rcSign(t, shop)
	n := rcStartNet(t, shop, ds)
	r := serve(t, true, zoneOf(t, ".", rcRootZone), zoneOf(t, "example.", tldZone+ds), shop, zoneOf(t, "outlook.com.", rcOutlookZone))
	n.cfg.Resolvers = []Resolver{{Name: "resolver A", Addr: r.Addr}}
	rep, err := NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365", Tenant: "shopco", OutboundIPs: []string{"198.51.100.25"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Severity{
		"ns": SeverityOK, "soa": SeverityOK, "dnssec": SeverityInfo, "mx.backup": SeverityWarning, "spf.newhost": SeverityWarning,
		"dmarc": SeverityWarning, "autodiscover": SeverityInfo, "mta-sts": SeverityWarning, "tls-rpt": SeverityInfo, "ptr": SeverityOK,
		"rdap": SeverityNotRun,
	}
	seen := map[string]int{}
	for _, f := range rep.Findings {
		seen[f.Check]++
		if sev, ok := want[f.Check]; ok && f.Severity != sev {
			t.Errorf("%s: %s %q, want %s", f.Check, f.Severity, f.Summary, sev)
		}
		if f.Severity == SeverityNotRun && f.Check != "rdap" {
			t.Errorf("%s did not run: %q", f.Check, f.Summary)
		}
	}
	for check := range want {
		if seen[check] != 1 {
			t.Errorf("%d %s findings, want 1:\n%s", seen[check], check, rcDump(rep.Findings))
		}
	}
	if seen["dkim"] != 2 {
		t.Errorf("%d dkim findings, want one per Microsoft 365 selector", seen["dkim"])
	}
}
