package domain

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"
)

// checkDMARC checks _dmarc.<domain>: present, valid, its policy and reports.
func (rn *run) checkDMARC(ctx context.Context, z *zoneInfo) []Finding {
	name := "_dmarc." + rn.domain
	recs, ev, l := rn.dmarcRecords(ctx, name)
	if l.Err != nil {
		return []Finding{failed("dmarc", "the DMARC record", l)}
	}
	inherited := false
	if org, err := publicsuffix.EffectiveTLDPlusOne(rn.domain); err == nil && len(recs) == 0 && org != rn.domain {
		// Receivers use the organizational domain's record (its sp=, else p=) for a subdomain without one.
		if orecs, oev, ol := rn.dmarcRecords(ctx, "_dmarc."+org); ol.Err == nil && len(orecs) > 0 {
			recs, ev, inherited = orecs, oev, true
		}
	}
	switch {
	case len(recs) == 0:
		return []Finding{{Check: "dmarc", Severity: SeverityWarning, Summary: "The domain has no DMARC record, so receivers get no instruction for forged mail and you get no reports.",
			Action: fmt.Sprintf("Add a TXT record at %s: v=DMARC1; p=none; rua=mailto:dmarc-reports@%s (start with p=none; tighten after the cutover).", name, rn.domain)}}
	case len(recs) > 1:
		return []Finding{{Check: "dmarc", Severity: SeverityWarning, Summary: fmt.Sprintf("There are %d DMARC records; receivers ignore them all.", len(recs)), Evidence: ev,
			Action: "Keep one DMARC record and delete the others."}}
	}
	d, err := ParseDMARC(recs[0])
	if err != nil {
		return []Finding{{Check: "dmarc", Severity: SeverityWarning, Summary: "The DMARC record is invalid, so receivers ignore it: " + err.Error() + ".", Evidence: ev,
			Action: "Correct it, for example: v=DMARC1; p=none; rua=mailto:dmarc-reports@" + rn.domain}}
	}
	tag := "p"
	if sp := d.SubdomainPolicy; inherited && (sp == "none" || sp == "quarantine" || sp == "reject") {
		d.Policy, tag = sp, "sp"
	}
	var out []Finding
	if inherited {
		out = append(out, Finding{Check: "dmarc", Severity: SeverityInfo,
			Summary:  fmt.Sprintf("%s has no DMARC record of its own; receivers apply the organizational domain's record (%s) with its subdomain policy %s=%s.", rn.domain, ev[0].Name, tag, d.Policy),
			Evidence: ev, Action: fmt.Sprintf("Nothing to do unless %s needs its own policy: then add a TXT record at %s.", rn.domain, name)})
	}
	switch d.Policy {
	case "none":
		out = append(out, Finding{Check: "dmarc", Severity: SeverityInfo, Summary: "DMARC is in monitoring mode (p=none): forged mail is reported, not blocked.", Evidence: ev,
			Action: "Good during a migration. Once SPF and DKIM pass for the new host, move to p=quarantine."})
	default:
		f := Finding{Check: "dmarc", Severity: SeverityOK, Summary: fmt.Sprintf("DMARC is enforced (p=%s).", d.Policy), Evidence: ev}
		if rn.profile.Name != "" || len(rn.req.ExpectMX) > 0 {
			f.Severity = SeverityInfo
			f.Action = "Set up SPF and DKIM for the new host before it sends any mail, or receivers will " + map[string]string{"quarantine": "put its mail in spam", "reject": "reject its mail"}[d.Policy] + "."
		}
		out = append(out, f)
	}
	if len(d.RUA) == 0 {
		out = append(out, Finding{Check: "dmarc.rua", Severity: SeverityInfo, Summary: "DMARC sends no aggregate reports (no rua=), so you will not see who sends mail as your domain.", Evidence: ev,
			Action: "Add rua=mailto:<a mailbox you read> to the DMARC record."})
	}
	return out
}

// dmarcRecords returns the DMARC records (TXT starting with v=DMARC1) at name.
func (rn *run) dmarcRecords(ctx context.Context, name string) ([]string, []Evidence, lookup) {
	l := rn.r.lookup(ctx, name, dns.TypeTXT)
	var recs []string
	var ev []Evidence
	for _, rr := range l.Records {
		if s := txtStrings([]dns.RR{rr}); len(s) == 1 && strings.HasPrefix(strings.ToLower(strings.TrimSpace(s[0])), "v=dmarc1") {
			recs = append(recs, s[0])
			ev = append(ev, evidenceOf(src(l), []dns.RR{rr})...)
		}
	}
	return recs, ev, l
}
