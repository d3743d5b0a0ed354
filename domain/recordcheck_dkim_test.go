package domain

import "testing"

// DKIM key records read by their p= tag: an empty p= is revoked, a "p="
// inside another tag's value is no key (it used to count as a key), and
// two TXT records at one selector are an error (receivers read only one;
// they used to be joined and called a key); a key split over strings is one.
func TestRecordCheckDKIMKeyTag(t *testing.T) {
	req := Request{DKIMSelectors: []string{"s1", "s2", "s3", "s4"}}
	fs := rcChecks(t, req, `s1._domainkey TXT "v=DKIM1; k=rsa; p= ; t=s"
s2._domainkey TXT "v=DKIM1; n=ask p=admin"
s3._domainkey TXT "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1"
s3._domainkey TXT "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC2"
s4._domainkey TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEB" "AQUAA4GNADCBiQKBgQC3; t=s"
`, rcDKIM)
	rcExpect(t, fs,
		rcWant{check: "dkim", sev: SeverityWarning, summary: "The DKIM key for selector s1 is revoked (empty p=).", action: []string{"Publish the current key"}},
		rcWant{check: "dkim", sev: SeverityWarning, summary: "The TXT record for DKIM selector s2 holds no key (no p=).", evidence: []string{"n=ask p=admin"}},
		rcWant{check: "dkim", sev: SeverityWarning, summary: "DKIM selector s3 has 2 TXT records; receivers read only one, so signatures fail at random.",
			action: []string{"Keep only the current key's TXT record at s3._domainkey.shop.example."}, evidence: []string{"QC1", "QC2"}},
		rcWant{check: "dkim", sev: SeverityOK, summary: "DKIM selector s4 has a key published."})
}
