package domain

import (
	"context"
	"testing"
)

// rcChecks runs one record check of shop.example (rcShopHead+records).
func rcChecks(t *testing.T, req Request, records string, check func(*run) func(context.Context, *zoneInfo) []Finding) []Finding {
	t.Helper()
	n := rcStartNet(t, rcShop(t, rcNewMX+records), "")
	req.Domain = "shop.example"
	rn := n.rcRun(t, req)
	return check(rn)(testCtx(t), nil)
}

func rcDMARC(rn *run) func(context.Context, *zoneInfo) []Finding { return rn.checkDMARC }
func rcDKIM(rn *run) func(context.Context, *zoneInfo) []Finding  { return rn.checkDKIM }
func rcAutodiscover(rn *run) func(context.Context, *zoneInfo) []Finding {
	return rn.checkAutodiscover
}
func rcPTR(rn *run) func(context.Context, *zoneInfo) []Finding    { return rn.checkPTR }
func rcMTASTS(rn *run) func(context.Context, *zoneInfo) []Finding { return rn.checkMTASTS }

// DMARC present with an enforcing policy and a report address: ok, with the record.
func TestRecordCheckDMARCPresentWithPolicyAndRUA(t *testing.T) {
	fs := rcChecks(t, Request{}, `_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.example"`+"\n", rcDMARC)
	rcExpect(t, fs, rcWant{check: "dmarc", sev: SeverityOK, summary: "DMARC is enforced (p=quarantine).",
		evidence: []string{"_dmarc.shop.example 3600 TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.example\""}})
}

// p=none without rua: monitoring mode, and nobody receives the reports.
func TestRecordCheckDMARCMonitoringWithoutRUA(t *testing.T) {
	fs := rcChecks(t, Request{}, `_dmarc TXT "v=DMARC1; p=none"`+"\n", rcDMARC)
	rcExpect(t, fs,
		rcWant{check: "dmarc", sev: SeverityInfo, summary: "DMARC is in monitoring mode (p=none): forged mail is reported, not blocked.",
			action: []string{"move to p=quarantine"}, evidence: []string{"v=DMARC1; p=none"}},
		rcWant{check: "dmarc.rua", sev: SeverityInfo, summary: "DMARC sends no aggregate reports (no rua=), so you will not see who sends mail as your domain.",
			action: []string{"Add rua=mailto:"}})
}

// No DMARC record: a warning with the record to add.
func TestRecordCheckDMARCAbsent(t *testing.T) {
	fs := rcChecks(t, Request{}, "", rcDMARC)
	rcExpect(t, fs, rcWant{check: "dmarc", sev: SeverityWarning,
		summary: "The domain has no DMARC record, so receivers get no instruction for forged mail and you get no reports.",
		action:  []string{"Add a TXT record at _dmarc.shop.example: v=DMARC1; p=none; rua=mailto:dmarc-reports@shop.example"}})
}

// A DMARC record without p= is invalid and says so.
func TestRecordCheckDMARCInvalid(t *testing.T) {
	fs := rcChecks(t, Request{}, `_dmarc TXT "v=DMARC1; rua=mailto:dmarc@shop.example"`+"\n", rcDMARC)
	rcExpect(t, fs, rcWant{check: "dmarc", sev: SeverityWarning, summary: "The DMARC record is invalid, so receivers ignore it: the policy tag p= is missing.",
		action: []string{"v=DMARC1; p=none"}, evidence: []string{"rua=mailto:dmarc@shop.example"}})
}

// DKIM for named selectors: s1 has a key, s2 has none, s3 is revoked.
func TestRecordCheckDKIMNamedSelectors(t *testing.T) {
	fs := rcChecks(t, Request{DKIMSelectors: []string{"s1", "s2", "s3"}}, `s1._domainkey TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1"
s3._domainkey TXT "v=DKIM1; p="
`, rcDKIM)
	rcExpect(t, fs,
		rcWant{check: "dkim", sev: SeverityOK, summary: "DKIM selector s1 has a key published.",
			evidence: []string{"s1._domainkey.shop.example 3600 TXT \"v=DKIM1; k=rsa; p=MIGf"}},
		rcWant{check: "dkim", sev: SeverityWarning, summary: "There is no DKIM key for selector s2: mail signed with it fails DKIM.",
			action: []string{"as a TXT record at s2._domainkey.shop.example"}},
		rcWant{check: "dkim", sev: SeverityWarning, summary: "The DKIM key for selector s3 is revoked (empty p=).",
			action: []string{"Publish the current key"}, evidence: []string{"s3._domainkey.shop.example"}})
}

// Microsoft 365 selectors are CNAMEs to the tenant; missing ones say which
// CNAME to add, asking for the tenant's name only when it is not known.
func TestRecordCheckDKIMMicrosoft365Selectors(t *testing.T) {
	fs := rcChecks(t, Request{Profile: "m365", Tenant: "shopco"}, "selector1._domainkey CNAME selector1-shop-example._domainkey.shopco.onmicrosoft.com.\n", rcDKIM)
	rcExpect(t, fs,
		rcWant{check: "dkim", sev: SeverityInfo, summary: "The DKIM selector selector1 points to selector1-shop-example._domainkey.shopco.onmicrosoft.com, which has no key yet.",
			action: []string{"Turn on DKIM signing"}, evidence: []string{"selector1._domainkey.shop.example 3600 CNAME selector1-shop-example._domainkey.shopco.onmicrosoft.com."}},
		rcWant{check: "dkim", sev: SeverityWarning, summary: "There is no DKIM key for selector selector2: mail signed with it fails DKIM.",
			action: []string{"Add a CNAME record: selector2._domainkey.shop.example → selector2-shop-example._domainkey.shopco.onmicrosoft.com, then turn on DKIM signing"}})
	fs = rcChecks(t, Request{Profile: "m365"}, "", rcDKIM)
	rcExpect(t, fs,
		rcWant{check: "dkim", sev: SeverityWarning, summary: "There is no DKIM key for selector selector1: mail signed with it fails DKIM.",
			action: []string{"selector1-shop-example._domainkey.<tenant>.onmicrosoft.com (your tenant's name replaces <tenant>)"}},
		rcWant{check: "dkim", sev: SeverityWarning, summary: "There is no DKIM key for selector selector2: mail signed with it fails DKIM."})
}

// Autodiscover by CNAME to the new host, by SRV record, by an address
// record that hides the SRV record from Outlook, and absent.
func TestRecordCheckAutodiscover(t *testing.T) {
	m365 := Request{Profile: "m365"}
	fs := rcChecks(t, m365, "autodiscover CNAME autodiscover.outlook.com.\n", rcAutodiscover)
	rcExpect(t, fs, rcWant{check: "autodiscover", sev: SeverityOK, summary: "Autodiscover points at autodiscover.outlook.com: Outlook will find the new host.",
		evidence: []string{"autodiscover.shop.example 3600 CNAME autodiscover.outlook.com."}})

	fs = rcChecks(t, m365, "_autodiscover._tcp SRV 0 0 443 autodiscover.outlook.com.\n", rcAutodiscover)
	rcExpect(t, fs, rcWant{check: "autodiscover", sev: SeverityOK, summary: "Autodiscover points at autodiscover.outlook.com: Outlook will find the new host.",
		evidence: []string{"_autodiscover._tcp.shop.example 3600 SRV 0 0 443 autodiscover.outlook.com."}})

	fs = rcChecks(t, m365, "_autodiscover._tcp SRV 0 0 443 imap.oldhost.example.\n", rcAutodiscover)
	rcExpect(t, fs, rcWant{check: "autodiscover", sev: SeverityInfo,
		summary:  "Autodiscover points at imap.oldhost.example; Outlook will not find the new host until it points at autodiscover.outlook.com.",
		action:   []string{"set a CNAME record: autodiscover.shop.example → autodiscover.outlook.com", "_autodiscover._tcp SRV"},
		evidence: []string{"SRV 0 0 443 imap.oldhost.example."}})

	fs = rcChecks(t, Request{}, "_autodiscover._tcp SRV 0 0 443 imap.oldhost.example.\n", rcAutodiscover)
	rcExpect(t, fs, rcWant{check: "autodiscover", sev: SeverityInfo, summary: "Autodiscover is set up (imap.oldhost.example).",
		evidence: []string{"SRV 0 0 443 imap.oldhost.example."}})

	// An address record at autodiscover.<domain> is used before the SRV record.
	fs = rcChecks(t, m365, "autodiscover A 198.51.100.21\n_autodiscover._tcp SRV 0 0 443 autodiscover.outlook.com.\n", rcAutodiscover)
	rcExpect(t, fs, rcWant{check: "autodiscover", sev: SeverityInfo,
		summary:  "Autodiscover points at the address 198.51.100.21; Outlook will not find the new host until it points at autodiscover.outlook.com.",
		action:   []string{"delete any A record"},
		evidence: []string{"autodiscover.shop.example 3600 A 198.51.100.21", "SRV 0 0 443 autodiscover.outlook.com."}})

	fs = rcChecks(t, Request{}, "", rcAutodiscover)
	rcExpect(t, fs, rcWant{check: "autodiscover", sev: SeverityInfo, summary: "Autodiscover is not set up; mail apps must be configured by hand."})
}

// PTR of outbound IPs: matching (forward-confirmed), pointing at a name
// that does not point back, missing, and not an IP at all.
func TestRecordCheckPTR(t *testing.T) {
	fs := rcChecks(t, Request{OutboundIPs: []string{"198.51.100.25", "198.51.100.26", "198.51.100.27", "mail.shop.example"}}, "", rcPTR)
	rcExpect(t, fs,
		rcWant{check: "ptr", sev: SeverityOK, summary: "198.51.100.25 has the reverse name mail.shop.example, which points back to it.",
			evidence: []string{"25.100.51.198.in-addr.arpa 3600 PTR mail.shop.example. [ns.rev.example (192.0.2.40)]", "mail.shop.example — resolves to 198.51.100.25"}},
		rcWant{check: "ptr", sev: SeverityWarning, summary: "The reverse name of 198.51.100.26 is mail.shop.example, but that name does not point back to 198.51.100.26.",
			action: []string{"Add an A record mail.shop.example → 198.51.100.26"}, evidence: []string{"26.100.51.198.in-addr.arpa 3600 PTR mail.shop.example."}},
		rcWant{check: "ptr", sev: SeverityWarning, summary: "The sending address 198.51.100.27 has no reverse DNS name; many receivers reject its mail.",
			action: []string{"set its reverse DNS name"}},
		rcWant{check: "ptr", sev: SeverityWarning, summary: `"mail.shop.example" is not an IP address, so its reverse DNS was not checked.`})
}

// MTA-STS and TLS-RPT present: MTA-STS must name the new host before the MX moves.
func TestRecordCheckMTASTSAndTLSRPT(t *testing.T) {
	fs := rcChecks(t, Request{Profile: "m365"}, `_mta-sts TXT "v=STSv1; id=20260101"
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@shop.example"
`, rcMTASTS)
	rcExpect(t, fs,
		rcWant{check: "mta-sts", sev: SeverityWarning,
			summary:  "MTA-STS is on: senders check that the MX is one its policy file allows. The policy must name the new host before the MX changes.",
			action:   []string{`add "mx: shop-example.mail.protection.outlook.com" to https://mta-sts.shop.example/.well-known/mta-sts.txt`},
			evidence: []string{"_mta-sts.shop.example 3600 TXT \"v=STSv1; id=20260101\""}},
		rcWant{check: "tls-rpt", sev: SeverityInfo, summary: "TLS reporting (TLS-RPT) is on.", evidence: []string{"v=TLSRPTv1; rua=mailto:tls@shop.example"}})

	fs = rcChecks(t, Request{Profile: "m365"}, "", rcMTASTS)
	rcExpect(t, fs,
		rcWant{check: "mta-sts", sev: SeverityInfo, summary: "MTA-STS is not set up (optional: it forces encrypted delivery to your domain)."},
		rcWant{check: "tls-rpt", sev: SeverityInfo, summary: "TLS reporting (TLS-RPT) is not set up (optional)."})
}
