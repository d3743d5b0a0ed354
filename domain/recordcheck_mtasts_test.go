package domain

import "testing"

// Two MTA-STS records, or one without id=: senders use no policy (RFC 8461
// 3.1); both were reported as "MTA-STS is on".
func TestRecordCheckMTASTSInvalidRecords(t *testing.T) {
	fs := rcChecks(t, Request{}, `_mta-sts TXT "v=STSv1; id=1"
_mta-sts TXT "v=STSv1; id=2"
`, rcMTASTS)
	rcExpect(t, fs,
		rcWant{check: "mta-sts", sev: SeverityWarning, summary: "There are 2 MTA-STS records; senders ignore them all, so MTA-STS is off.",
			action: []string{"Keep one _mta-sts TXT record"}, evidence: []string{`"v=STSv1; id=1"`, `"v=STSv1; id=2"`}},
		rcWant{check: "tls-rpt", sev: SeverityInfo, summary: "TLS reporting (TLS-RPT) is not set up (optional)."})

	fs = rcChecks(t, Request{}, `_mta-sts TXT "v=STSv1;"`+"\n", rcMTASTS)
	rcExpect(t, fs,
		rcWant{check: "mta-sts", sev: SeverityWarning, summary: "The MTA-STS record has no id=, so senders ignore it and MTA-STS is off.",
			action: []string{"Add an id="}, evidence: []string{`"v=STSv1;"`}},
		rcWant{check: "tls-rpt", sev: SeverityInfo, summary: "TLS reporting (TLS-RPT) is not set up (optional)."})
}
