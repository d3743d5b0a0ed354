package domain

import "testing"

// rcSubDMARC runs the DMARC check of sub.shop.example (a name inside the
// shop.example zone) with records added to that zone.
func rcSubDMARC(t *testing.T, records string) []Finding {
	t.Helper()
	n := rcStartNet(t, rcShop(t, rcNewMX+"sub MX 10 mail.shop.example.\n"+records), "")
	return n.rcRun(t, Request{Domain: "sub.shop.example"}).checkDMARC(testCtx(t), nil)
}

// A subdomain without its own DMARC record is covered by the
// organizational domain's record (RFC 7489 6.6.3): its sp= when given,
// else its p=. It used to be reported as having no DMARC at all.
func TestRecordCheckDMARCSubdomainInheritsTheOrganizationalRecord(t *testing.T) {
	fs := rcSubDMARC(t, `_dmarc TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@shop.example"`+"\n")
	rcExpect(t, fs,
		rcWant{check: "dmarc", sev: SeverityInfo,
			summary:  "sub.shop.example has no DMARC record of its own; receivers apply the organizational domain's record (_dmarc.shop.example) with its subdomain policy sp=quarantine.",
			action:   []string{"add a TXT record at _dmarc.sub.shop.example"},
			evidence: []string{`_dmarc.shop.example 3600 TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@shop.example"`}},
		rcWant{check: "dmarc", sev: SeverityOK, summary: "DMARC is enforced (p=quarantine)."})

	fs = rcSubDMARC(t, `_dmarc TXT "v=DMARC1; p=none"`+"\n")
	rcExpect(t, fs,
		rcWant{check: "dmarc", sev: SeverityInfo,
			summary: "sub.shop.example has no DMARC record of its own; receivers apply the organizational domain's record (_dmarc.shop.example) with its subdomain policy p=none."},
		rcWant{check: "dmarc", sev: SeverityInfo, summary: "DMARC is in monitoring mode (p=none): forged mail is reported, not blocked."},
		rcWant{check: "dmarc.rua", sev: SeverityInfo, summary: "DMARC sends no aggregate reports (no rua=), so you will not see who sends mail as your domain."})
}

// The subdomain's own record wins; with no record anywhere it has none.
func TestRecordCheckDMARCSubdomainOwnRecordOrNone(t *testing.T) {
	fs := rcSubDMARC(t, `_dmarc TXT "v=DMARC1; p=none"
_dmarc.sub TXT "v=DMARC1; p=reject; rua=mailto:d@shop.example"
`)
	rcExpect(t, fs, rcWant{check: "dmarc", sev: SeverityOK, summary: "DMARC is enforced (p=reject).",
		evidence: []string{"_dmarc.sub.shop.example 3600 TXT"}})
	fs = rcSubDMARC(t, "")
	rcExpect(t, fs, rcWant{check: "dmarc", sev: SeverityWarning,
		summary: "The domain has no DMARC record, so receivers get no instruction for forged mail and you get no reports.",
		action:  []string{"Add a TXT record at _dmarc.sub.shop.example"}})
}
