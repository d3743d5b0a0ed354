package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Every UDP reply of the shop's servers is empty with TC set: the query is
// repeated over TCP and the checks read the zone as usual.
func TestRecordCheckTruncatedAnswerRetriedOverTCP(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX+"@ 300 MX 10 mx.oldhost.example.\n"), "")
	n.srv["ns1"].setFault(faultTruncateUDP)
	n.srv["ns2"].setFault(faultTruncateUDP)
	x := exchanger{timeout: n.cfg.Timeout}
	a := x.ask(testCtx(t), server{Name: "ns1", Addr: n.srv["ns1"].Addr}, "shop.example", dns.TypeMX, false)
	if !a.ok() || !a.UsedTCP || len(a.Msg.Answer) != 2 || a.Msg.Truncated {
		t.Fatalf("truncated reply: ok=%v tcp=%v answer=%v err=%v", a.ok(), a.UsedTCP, a.Msg, a.Err)
	}
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	rcExpect(t, rn.checkMX(testCtx(t), nil), rcWant{check: "mx.backup", sev: SeverityWarning,
		summary:  "A backup MX still points at the old host (mx.oldhost.example (priority 10)); mail lands there whenever the new host is slow or busy.",
		evidence: []string{"MX 0 shop-example.mail.protection.outlook.com.", "MX 10 mx.oldhost.example."}})
	rcExpect(t, rn.checkSOA(testCtx(t), rcZone(t, rn)), rcWant{check: "soa", sev: SeverityOK,
		summary: "All 2 answering name servers have the same version of the zone (serial 2026010501)."})
}

// rcWithin runs f and fails when it takes longer than bound.
func rcWithin(t *testing.T, bound time.Duration, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if d := time.Since(start); d > bound {
		t.Errorf("took %v, want at most %v", d, bound)
	}
}

// Neither name server ever answers: Check ends within the configured
// timeout (2 servers × 2 tries × 300ms, plus slack for a loaded machine)
// with a blocker that names the timeout (the registry delegates the domain
// to servers that do not answer, so nobody can send it mail).
func TestRecordCheckServersThatNeverAnswer(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.srv["ns1"].setFault(faultDrop)
	n.srv["ns2"].setFault(faultDrop)
	c := NewChecker(n.cfg)
	bound := 2*2*n.cfg.Timeout + 1500*time.Millisecond
	var rep Report
	rcWithin(t, bound, func() {
		var err error
		if rep, err = c.Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365"}); err != nil {
			t.Fatal(err)
		}
	})
	var ns []Finding
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Check, "ns") {
			ns = append(ns, f)
		}
	}
	rcExpect(t, ns, rcWant{check: "ns.lame", sev: SeverityBlocker,
		summary:  "None of the domain's name servers answers for it: none of the name servers of shop.example answered in time.",
		action:   []string{"The DNS host must serve the zone"},
		evidence: []string{"shop.example SOA — no reply (timeout) [ns1.shop.example (192.0.2.10)]", "shop.example SOA — no reply (timeout) [ns2.shop.example (192.0.2.11)]"}})
}

// One name server never answers: the checks go on with the other, and the
// silent one is named as not answering — within the timeout too.
func TestRecordCheckOneServerNeverAnswers(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.srv["ns2"].setFault(faultDrop)
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	var ns []Finding
	rcWithin(t, 2*n.cfg.Timeout+1500*time.Millisecond, func() { ns = rn.checkNS(testCtx(t), rcZone(t, rn)) })
	rcExpect(t, ns, rcWant{check: "ns.lame", sev: SeverityWarning,
		summary:  "1 of 2 name servers do not answer for the domain: ns2.shop.example (192.0.2.11).",
		evidence: []string{"shop.example SOA — no reply (timeout) [ns2.shop.example (192.0.2.11)]"}})
}

// SERVFAIL from every name server: a blocker that names it for the zone,
// a warning naming it for each record read later.
func TestRecordCheckServfail(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.srv["ns1"].setFault(faultServfail)
	n.srv["ns2"].setFault(faultServfail)
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	z, fs := rn.zone(testCtx(t))
	if z != nil {
		t.Fatalf("a zone whose servers all fail: %+v", z)
	}
	rcExpect(t, fs, rcWant{check: "ns.lame", sev: SeverityBlocker,
		summary:  "None of the domain's name servers answers for it: the name servers of shop.example replied SERVFAIL.",
		evidence: []string{"shop.example SOA — replied SERVFAIL [ns1.shop.example (192.0.2.10)]", "shop.example SOA — replied SERVFAIL [ns2.shop.example (192.0.2.11)]"}})
	rcExpect(t, rn.checkMX(testCtx(t), nil), rcWant{check: "mx", sev: SeverityWarning,
		summary: "Could not read the MX records: the name servers of shop.example replied SERVFAIL.",
		action:  []string{"check their name servers"}, evidence: []string{"ns2.shop.example (192.0.2.11): replied SERVFAIL"}})
}

// A domain that does not exist: a blocker saying so, from the registry's server.
func TestRecordCheckNXDOMAIN(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	rep, err := NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "nosuch.example"})
	if err != nil {
		t.Fatal(err)
	}
	rcExpect(t, rep.Findings[:1], rcWant{check: "ns", sev: SeverityBlocker, summary: "The domain nosuch.example does not exist in DNS.",
		action: []string{"Check the spelling"}, evidence: []string{"nosuch.example — NXDOMAIN [a.nic.example (192.0.2.2)]"}})
	for _, f := range rep.Findings {
		if f.Check == "mx" || f.Check == "spf" || f.Severity == SeverityOK {
			t.Errorf("a missing domain has no record checks: %s %s %q", f.Check, f.Severity, f.Summary)
		}
	}
}

// The zone exists but has no MX and no TXT (empty answers): both say so.
func TestRecordCheckEmptyAnswers(t *testing.T) {
	n := rcStartNet(t, rcShop(t, ""), "")
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	rcExpect(t, rn.checkMX(testCtx(t), nil), rcWant{check: "mx", sev: SeverityWarning,
		summary: "The domain has no MX record; senders fall back to its web address, which usually rejects mail.",
		action:  []string{"Add an MX record: shop.example MX 0 shop-example.mail.protection.outlook.com"}})
	rcExpect(t, rn.checkSPF(testCtx(t), nil), rcWant{check: "spf", sev: SeverityWarning,
		summary: "The domain has no SPF record: receivers cannot tell which servers may send its mail, so more of it lands in spam.",
		action:  []string{"Add a TXT record at shop.example: v=spf1 include:spf.protection.outlook.com ~all"}})
}

// A Unicode domain is checked as its punycode form.
func TestRecordCheckIDNAsPunycode(t *testing.T) {
	idn := zoneOf(t, "xn--bcher-kva.example.", `$TTL 3600
@ SOA ns1.xn--bcher-kva.example. h.xn--bcher-kva.example. 7 7200 900 1209600 300
@ NS ns1.xn--bcher-kva.example.
ns1 A 192.0.2.50
@ MX 10 mail.xn--bcher-kva.example.
mail A 198.51.100.50
`)
	n := rcStartNet(t, rcShop(t, rcNewMX), "xn--bcher-kva NS ns1.xn--bcher-kva.example.\nns1.xn--bcher-kva A 192.0.2.50\n")
	n.rcServe(t, "idn", "192.0.2.50", false, idn)
	rn := n.rcRun(t, Request{Domain: "Bücher.Example."})
	if rn.domain != "xn--bcher-kva.example" {
		t.Fatalf("domain %q, want the punycode xn--bcher-kva.example", rn.domain)
	}
	rcExpect(t, rn.checkMX(testCtx(t), nil), rcWant{check: "mx", sev: SeverityOK,
		summary:  "Mail for the domain goes to mail.xn--bcher-kva.example (priority 10).",
		evidence: []string{"xn--bcher-kva.example 3600 MX 10 mail.xn--bcher-kva.example.", "resolves to 198.51.100.50"}})
	rcExpect(t, rn.checkSOA(testCtx(t), rcZone(t, rn)), rcWant{check: "soa", sev: SeverityOK,
		summary: "All 1 answering name servers have the same version of the zone (serial 7)."})
}

// Bad input is refused with a clear InputError before any DNS question.
func TestRecordCheckInvalidDomainIsAClearError(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	c := NewChecker(n.cfg)
	for _, tc := range []struct {
		req Request
		why string
	}{
		{Request{Domain: "shop!.example"}, "characters a domain cannot have"},
		{Request{Domain: "sh op.example"}, "no @, spaces"},
		{Request{Domain: "anna@shop.example"}, "no @, spaces"},
		{Request{Domain: "shop..example"}, ""},
		{Request{Domain: "-shop.example"}, ""},
		{Request{Domain: "\xff\xfe.example"}, ""},
		{Request{Domain: "shop\x00.example"}, ""},
		{Request{Domain: "localhost"}, "at least two parts"},
		{Request{Domain: "   "}, "it is empty"},
		{Request{Domain: strings.Repeat("a", 64) + ".example"}, ""},
		{Request{Domain: "shop.example", ExpectMX: []string{"mx host.example"}}, "no @, spaces"},
		{Request{Domain: "shop.example", Profile: "gmail"}, "use m365 or generic"},
	} {
		rep, err := c.Check(testCtx(t), tc.req)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), "invalid ") || !strings.Contains(ie.Why, tc.why) || len(rep.Findings) != 0 {
			t.Errorf("%+v: err %v, findings %d; want an InputError saying %q", tc.req, err, len(rep.Findings), tc.why)
		}
	}
	if q := n.srv["root"].queryCount(); q != 0 {
		t.Errorf("bad input sent %d DNS questions, want none", q)
	}
}

// The name servers' addresses have nothing listening (connection refused):
// a blocker that says so, at once rather than after timeouts.
func TestRecordCheckNameServersRefuseConnections(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX), "")
	n.cfg.AddrOverride["192.0.2.10"], n.cfg.AddrOverride["192.0.2.11"] = "127.0.0.1:1", "127.0.0.1:1"
	rn := n.rcRun(t, Request{Domain: "shop.example"})
	var fs []Finding
	rcWithin(t, 2*n.cfg.Timeout, func() { _, fs = rn.zone(testCtx(t)) }) // waiting for replies would take 4 timeouts
	rcExpect(t, fs, rcWant{check: "ns.lame", sev: SeverityBlocker,
		summary:  "None of the domain's name servers answers for it: nothing answers DNS at the addresses of the name servers of shop.example (connection refused).",
		evidence: []string{"shop.example SOA — connection refused [ns1.shop.example (192.0.2.10)]"}})
}
