package domain

import (
	"strings"
	"testing"
)

// rcSPF runs the SPF check of shop.example (zone rcShopHead+records) for a
// move to Microsoft 365.
func rcSPF(t *testing.T, records string) []Finding {
	t.Helper()
	n := rcStartNet(t, rcShop(t, rcNewMX+records), "")
	rn := n.rcRun(t, Request{Domain: "shop.example", Profile: "m365"})
	return rn.checkSPF(testCtx(t), nil)
}

// A valid record that includes the new host passes and counts its lookup.
func TestRecordCheckSPFValid(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com -all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityOK, summary: "The SPF record is valid and uses 1 of 10 DNS lookups.",
		evidence: []string{"v=spf1 include:spf.protection.outlook.com -all", "records visited: shop.example, spf.protection.outlook.com"}})
}

// Two SPF records: every receiver fails SPF (permerror); both are shown.
func TestRecordCheckSPFTwoRecords(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com -all"
@ TXT "v=spf1 a:mail.shop.example ~all"
@ TXT "google-site-verification=abc"
`)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary:  "The domain has 2 SPF records; receivers treat that as an error and SPF fails for all its mail.",
		action:   []string{"Merge them into one TXT record"},
		evidence: []string{"v=spf1 include:spf.protection.outlook.com -all", "v=spf1 a:mail.shop.example ~all"}})
	if ev := rcEvidence(fs[0]); len(fs[0].Evidence) != 2 {
		t.Errorf("evidence must be the two SPF records only:\n%s", ev)
	}
}

// An unknown mechanism is a syntax error named with its term.
func TestRecordCheckSPFSyntaxError(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com aa:mail.shop.example -all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary:  `The SPF record has a syntax error, so receivers ignore it: term "aa:mail.shop.example": unknown mechanism "aa".`,
		action:   []string{"Correct the TXT record", "v=spf1 include:spf.protection.outlook.com ~all"},
		evidence: []string{"aa:mail.shop.example"}})
}

// Eleven lookups counted through two includes (one nested) and a redirect
// whose target's own terms count too: over the limit of 10. Without the
// redirect and its record the count would be 8.
func TestRecordCheckSPFLookupLimitThroughIncludesAndRedirect(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com include:l1.shop.example redirect=r.shop.example"
l1 TXT "v=spf1 a:mail.shop.example mx:shop.example include:l2.shop.example -all"
l2 TXT "v=spf1 a:mail.shop.example mx:shop.example exists:mail.shop.example ~all"
r TXT "v=spf1 a:mail.shop.example mx:shop.example -all"
`)
	rcExpect(t, fs, rcWant{check: "spf.lookups", sev: SeverityWarning,
		summary:  "The SPF record needs 11 DNS lookups; receivers stop at 10 and then fail SPF for your mail.",
		action:   []string{"Remove includes", "ip4:/ip6:"},
		evidence: []string{"11 DNS lookups (limit 10), 0 void lookups (limit 2); records visited: shop.example, spf.protection.outlook.com, l1.shop.example, l2.shop.example, r.shop.example"}})
}

// Exactly 10 lookups is still within the limit.
func TestRecordCheckSPFTenLookupsPass(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com include:l1.shop.example redirect=r.shop.example"
l1 TXT "v=spf1 a:mail.shop.example mx:shop.example include:l2.shop.example -all"
l2 TXT "v=spf1 a:mail.shop.example mx:shop.example ~all"
r TXT "v=spf1 a:mail.shop.example mx:shop.example -all"
`)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityOK, summary: "The SPF record is valid and uses 10 of 10 DNS lookups."})
}

// Three lookups that find nothing (no address, NXDOMAIN for A and for MX):
// over the void limit of 2.
func TestRecordCheckSPFVoidLookups(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com a:empty.shop.example a:gone1.shop.example mx:gone2.shop.example -all"
empty TXT "no address here"
`)
	rcExpect(t, fs, rcWant{check: "spf.lookups", sev: SeverityWarning,
		summary:  "The SPF record makes 3 lookups that find nothing (limit 2); receivers then fail SPF.",
		action:   []string{"Remove includes and a:/mx: terms that point at names without records."},
		evidence: []string{"4 DNS lookups (limit 10), 3 void lookups (limit 2)"}})
}

// The new host's include is missing: the merged record keeps every term.
func TestRecordCheckSPFMissingNewHostInclude(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 a:mail.shop.example ip4:198.51.100.0/24 -all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf.newhost", sev: SeverityWarning,
		summary:  "The SPF record does not include the new host (include:spf.protection.outlook.com): mail sent from it will fail SPF.",
		action:   []string{"v=spf1 a:mail.shop.example ip4:198.51.100.0/24 include:spf.protection.outlook.com -all"},
		evidence: []string{"v=spf1 a:mail.shop.example ip4:198.51.100.0/24 -all"}})
}

// +all and ?all protect nothing; a record without all flags nothing.
func TestRecordCheckSPFMustEndInSoftOrHardFail(t *testing.T) {
	for _, tc := range []struct{ record, summary, action string }{
		{"v=spf1 include:spf.protection.outlook.com +all", "The SPF record ends in +all: it allows any server in the world to send as your domain.", "Change +all to ~all"},
		{"v=spf1 include:spf.protection.outlook.com ?all", "The SPF record ends in ?all, which protects nothing.", "Change ?all to ~all"},
		{"v=spf1 include:spf.protection.outlook.com", "The SPF record does not end in ~all or -all, so mail from other servers is not flagged.", "Add ~all"},
	} {
		t.Run(tc.record, func(t *testing.T) {
			fs := rcSPF(t, `@ TXT "`+tc.record+`"`+"\n")
			rcExpect(t, fs, rcWant{check: "spf.all", sev: SeverityWarning, summary: tc.summary, action: []string{tc.action}, evidence: []string{tc.record}})
		})
	}
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com ~all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityOK, summary: "The SPF record is valid and uses 1 of 10 DNS lookups."})
}

// Two includes that both include the same record: receivers evaluate it
// twice and count its lookups twice (3 + 1+3 + 1+3 = 11).
func TestRecordCheckSPFRepeatedIncludeCountsTwice(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com include:a.shop.example include:b.shop.example -all"
a TXT "v=spf1 include:c.shop.example -all"
b TXT "v=spf1 include:c.shop.example -all"
c TXT "v=spf1 a:mail.shop.example mx:shop.example exists:mail.shop.example ~all"
`)
	rcExpect(t, fs, rcWant{check: "spf.lookups", sev: SeverityWarning,
		summary:  "The SPF record needs 11 DNS lookups; receivers stop at 10 and then fail SPF for your mail.",
		evidence: []string{"records visited: shop.example, spf.protection.outlook.com, a.shop.example, c.shop.example, b.shop.example"}})
}

// An include that leads back to a record being evaluated never ends:
// receivers give up at the lookup limit (permerror).
func TestRecordCheckSPFIncludeLoop(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com include:a.shop.example -all"
a TXT "v=spf1 include:shop.example -all"
`)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary:  "Part of the SPF record is broken: include:shop.example leads back to a record it is part of, an endless loop (receivers give up: permerror).",
		action:   []string{"Remove or correct that term"},
		evidence: []string{"include:shop.example leads back"}})
}

// An include or redirect of a name without an SPF record is a permerror.
func TestRecordCheckSPFIncludeWithoutRecord(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com include:gone.shop.example -all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary:  "Part of the SPF record is broken: include:gone.shop.example has no SPF record: receivers return an error (permerror).",
		evidence: []string{"2 DNS lookups (limit 10), 1 void lookups (limit 2)"}})
	fs = rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com redirect=nospf.shop.example"
nospf TXT "not spf"
`)
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary: "Part of the SPF record is broken: redirect=nospf.shop.example has no SPF record: receivers return an error (permerror)."})
}

// Terms after "all" are never read: the new host's include placed there
// does not count, is not followed, and the fix moves "all" to the end.
func TestRecordCheckSPFTermsAfterAll(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 a:mail.shop.example -all include:spf.protection.outlook.com"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf.all", sev: SeverityWarning,
		summary:  "The SPF record has terms after -all that receivers never read: include:spf.protection.outlook.com.",
		action:   []string{"Put -all at the end: v=spf1 a:mail.shop.example include:spf.protection.outlook.com -all"},
		evidence: []string{"1 DNS lookups (limit 10), 0 void lookups (limit 2); records visited: shop.example"}})
	if ev := rcEvidence(fs[0]); !strings.HasSuffix(ev, "records visited: shop.example") {
		t.Errorf("the include after -all was followed:\n%s", ev)
	}
	fs = rcSPF(t, `@ TXT "v=spf1 ~all a:mail.shop.example"`+"\n")
	rcExpect(t, fs,
		rcWant{check: "spf.all", sev: SeverityWarning, summary: "The SPF record has terms after ~all that receivers never read: a:mail.shop.example.",
			action: []string{"Put ~all at the end: v=spf1 a:mail.shop.example include:spf.protection.outlook.com ~all"}},
		rcWant{check: "spf.newhost", sev: SeverityWarning,
			summary: "The SPF record does not include the new host (include:spf.protection.outlook.com): mail sent from it will fail SPF."})
}
