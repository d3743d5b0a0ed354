package domain

import (
	"fmt"
	"strings"
	"testing"
)

// An included record with a syntax error makes every receiver return
// permerror: a warning naming the include and the bad term, not "valid".
func TestRecordCheckSPFIncludedRecordSyntaxError(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com include:bad.shop.example -all"
bad TXT "v=spf1 aa:x.example -all"
`)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary: `Part of the SPF record is broken: include:bad.shop.example leads to a record with a syntax error (term "aa:x.example": unknown mechanism "aa"): receivers return an error (permerror).`,
		action:  []string{"Remove or correct that term"},
		evidence: []string{`TXT "v=spf1 include:spf.protection.outlook.com include:bad.shop.example -all"`,
			"2 DNS lookups (limit 10), 0 void lookups (limit 2); records visited: shop.example, spf.protection.outlook.com"}})
}

// A mere note (ptr is deprecated) written before a permerror does not
// take its place in the summary; both stay in the evidence.
func TestRecordCheckSPFBrokenSummaryNamesThePermerror(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 ptr include:spf.protection.outlook.com include:gone.shop.example -all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary:  "Part of the SPF record is broken: include:gone.shop.example has no SPF record: receivers return an error (permerror).",
		evidence: []string{"3 DNS lookups (limit 10), 1 void lookups (limit 2)", "the ptr mechanism is deprecated", "include:gone.shop.example has no SPF record"}})
}

// The server of an included domain fails (SERVFAIL): receivers cannot
// evaluate SPF (temperror); the check says so instead of "valid".
func TestRecordCheckSPFIncludeUnreadable(t *testing.T) {
	shop := rcShop(t, rcNewMX+`@ TXT "v=spf1 include:spf.protection.outlook.com include:spf.esp.example -all"`+"\n")
	n := rcStartNet(t, shop, "esp NS ns.esp.example.\nns.esp A 192.0.2.60\n")
	n.rcServe(t, "esp", "192.0.2.60", false, zoneOf(t, "esp.example.", "$TTL 300\n@ SOA ns.esp.example. h.esp.example. 1 1 1 1 1\n@ NS ns.esp.example.\nns A 192.0.2.60\nspf TXT \"v=spf1 -all\"\n")).setFault(faultServfail)
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	rcExpect(t, rn.checkSPF(testCtx(t), nil), rcWant{check: "spf", sev: SeverityWarning,
		summary:  "Part of the SPF record could not be read: include:spf.esp.example; receivers meeting the same failure cannot check SPF (temperror) and may delay or reject the mail.",
		action:   []string{"remove the term if the service is no longer used"},
		evidence: []string{"include:spf.esp.example could not be read: the name servers of esp.example replied SERVFAIL"}})
}

// The new host's own include cannot be read: the temperror is the finding;
// the record is not also said to lack the include it has.
func TestRecordCheckSPFNewHostIncludeUnreadable(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX+`@ TXT "v=spf1 include:spf.protection.outlook.com -all"`+"\n"), "")
	n.srv["outlook"].setFault(faultServfail)
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	rcExpect(t, rn.checkSPF(testCtx(t), nil), rcWant{check: "spf", sev: SeverityWarning,
		summary:  "Part of the SPF record could not be read: include:spf.protection.outlook.com; receivers meeting the same failure cannot check SPF (temperror) and may delay or reject the mail.",
		evidence: []string{"include:spf.protection.outlook.com could not be read: the name servers of outlook.com replied SERVFAIL"}})
}

// A syntax error in the domain's own record, for a destination without a
// known include: the example record is a usable one, not a bare "v=spf1".
func TestRecordCheckSPFSyntaxErrorExampleWithoutInclude(t *testing.T) {
	n := rcStartNet(t, rcShop(t, rcNewMX+`@ TXT "v=spf1 aa -all"`+"\n"), "")
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "generic"})
	rcExpect(t, rn.checkSPF(testCtx(t), nil), rcWant{check: "spf", sev: SeverityWarning,
		summary: `The SPF record has a syntax error, so receivers ignore it: term "aa": unknown mechanism "aa".`,
		action:  []string{"Correct the TXT record; for example: v=spf1 mx ~all"}, evidence: []string{`"v=spf1 aa -all"`}})
}

// Void lookups are counted through includes and redirects as receivers
// count them: one in the record itself, one in an included record and one
// in the redirect target make 3 (limit 2).
func TestRecordCheckSPFVoidLookupsThroughIncludeAndRedirect(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com a:gone1.shop.example include:v.shop.example redirect=r.shop.example"
v TXT "v=spf1 mx:gone2.shop.example ~all"
r TXT "v=spf1 exists:gone3.shop.example -all"
`)
	rcExpect(t, fs, rcWant{check: "spf.lookups", sev: SeverityWarning,
		summary:  "The SPF record makes 3 lookups that find nothing (limit 2); receivers then fail SPF.",
		evidence: []string{"6 DNS lookups (limit 10), 3 void lookups (limit 2); records visited: shop.example, spf.protection.outlook.com, v.shop.example, r.shop.example"}})
}

// An mx term whose domain has more than 10 MX hosts: receivers refuse to
// look up more than 10 addresses for it (permerror).
func TestRecordCheckSPFMXWithMoreThanTenHosts(t *testing.T) {
	many := ""
	for i := 1; i <= 11; i++ {
		many += fmt.Sprintf("relay MX %d mail.shop.example.\n", i)
	}
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com mx:relay.shop.example -all"`+"\n"+many)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary:  "Part of the SPF record is broken: mx:relay.shop.example points at 11 MX hosts; receivers look up at most 10 (permerror).",
		evidence: []string{"2 DNS lookups (limit 10), 0 void lookups (limit 2)"}})
	many = strings.Replace(many, "relay MX 11 mail.shop.example.\n", "", 1)
	fs = rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com mx:relay.shop.example -all"`+"\n"+many)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityOK, summary: "The SPF record is valid and uses 2 of 10 DNS lookups."})
}

// A long SPF record published as several strings of one TXT record is
// read as their concatenation, as receivers read it (RFC 7208 3.3).
func TestRecordCheckSPFRecordInSeveralStrings(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 ip4:198.51.100.0/24 include:spf.prot" "ection.outlook.com -all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityOK, summary: "The SPF record is valid and uses 1 of 10 DNS lookups.",
		evidence: []string{"records visited: shop.example, spf.protection.outlook.com"}})
}

// exists: asks for A records only, so a name with only an AAAA record is
// a void lookup for it, while a: accepts the AAAA record.
func TestRecordCheckSPFExistsCountsOnlyARecords(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com exists:v6.shop.example a:v6.shop.example -all"
v6 AAAA 2001:db8::25
`)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityOK, summary: "The SPF record is valid and uses 3 of 10 DNS lookups.",
		evidence: []string{"3 DNS lookups (limit 10), 1 void lookups (limit 2)"}})
}
