package domain

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// cutoverPassed reports whether the planned cutover date is behind us.
func (rn *run) cutoverPassed() bool {
	return !rn.req.Cutover.IsZero() && rn.now.After(rn.req.Cutover)
}

// dkimSelectors are the request's selectors plus the profile's.
func (rn *run) dkimSelectors() []string {
	var out []string
	for _, s := range append(append([]string{}, rn.req.DKIMSelectors...), rn.profile.DKIMSelectors...) {
		s = bare(s)
		if s != "" && !containsHost(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// checkDKIM looks up each selector's key at <selector>._domainkey.<domain>.
func (rn *run) checkDKIM(ctx context.Context, z *zoneInfo) []Finding {
	sels := rn.dkimSelectors()
	if len(sels) == 0 {
		return []Finding{{Check: "dkim", Severity: SeverityInfo, Summary: "No DKIM selectors were named, so DKIM was not checked.",
			Action: "Name the selectors your mail host signs with (they are in its DKIM settings) to have them checked."}}
	}
	var out []Finding
	for _, sel := range sels {
		name := sel + "._domainkey." + rn.domain
		if !validLabelDots(sel) {
			out = append(out, Finding{Check: "dkim", Severity: SeverityWarning, Summary: fmt.Sprintf("%q is not a valid DKIM selector name.", sel)})
			continue
		}
		l := rn.r.lookup(ctx, name, dns.TypeTXT)
		if l.Err != nil {
			out = append(out, failed("dkim", "the DKIM key "+sel, l))
			continue
		}
		ev := append(evidenceOf(src(l), l.Chain), evidenceOf(src(l), l.Records)...)
		want := rn.profile.DKIMTarget(rn.domain, sel, rn.req.Tenant)
		txts := txtStrings(l.Records)
		key, hasKey := "", false
		if len(txts) == 1 {
			key, hasKey = dkimKeyTag(txts[0])
		}
		switch {
		case len(l.Records) == 0 && len(l.Chain) > 0:
			out = append(out, Finding{Check: "dkim", Severity: SeverityInfo, Summary: fmt.Sprintf("The DKIM selector %s points to %s, which has no key yet.", sel, bare(l.Chain[len(l.Chain)-1].(*dns.CNAME).Target)),
				Evidence: ev, Action: "Turn on DKIM signing for the domain at the new host; the key appears there once it is on."})
		case len(l.Records) == 0:
			act := fmt.Sprintf("Publish the DKIM key for selector %s (from your mail host's DKIM settings) as a TXT record at %s.", sel, name)
			if want != "" {
				act = fmt.Sprintf("Add a CNAME record: %s → %s%s, then turn on DKIM signing in Microsoft 365.", name, want, tenantHint(rn.req.Tenant))
			}
			out = append(out, Finding{Check: "dkim", Severity: SeverityWarning, Summary: fmt.Sprintf("There is no DKIM key for selector %s: mail signed with it fails DKIM.", sel), Evidence: ev, Action: act})
		case len(txts) > 1:
			out = append(out, Finding{Check: "dkim", Severity: SeverityWarning, Summary: fmt.Sprintf("DKIM selector %s has %d TXT records; receivers read only one, so signatures fail at random.", sel, len(txts)), Evidence: ev,
				Action: "Keep only the current key's TXT record at " + name + "."})
		case hasKey && key == "":
			out = append(out, Finding{Check: "dkim", Severity: SeverityWarning, Summary: fmt.Sprintf("The DKIM key for selector %s is revoked (empty p=).", sel), Evidence: ev,
				Action: "Publish the current key from your mail host, or stop signing with this selector."})
		case !hasKey:
			out = append(out, Finding{Check: "dkim", Severity: SeverityWarning, Summary: fmt.Sprintf("The TXT record for DKIM selector %s holds no key (no p=).", sel), Evidence: ev,
				Action: "Replace it with the key from your mail host's DKIM settings."})
		default:
			out = append(out, Finding{Check: "dkim", Severity: SeverityOK, Summary: fmt.Sprintf("DKIM selector %s has a key published.", sel), Evidence: ev})
		}
	}
	return out
}

// dkimKeyTag returns the p= value of a DKIM key record (whitespace
// removed) and whether the record has a p= tag at all.
func dkimKeyTag(rec string) (string, bool) {
	for _, part := range strings.Split(rec, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.TrimSpace(k) == "p" {
			return strings.Join(strings.Fields(v), ""), true
		}
	}
	return "", false
}

// validLabelDots accepts a selector, which may have dots ("s1.mail").
func validLabelDots(s string) bool {
	for _, l := range strings.Split(s, ".") {
		if !validLabel(l) {
			return false
		}
	}
	return true
}

// checkAutodiscover looks for autodiscover.<domain> (CNAME or address) and
// the _autodiscover._tcp SRV record, in the order Outlook uses them; with a
// profile, compares the one Outlook will use with the profile's target.
func (rn *run) checkAutodiscover(ctx context.Context, z *zoneInfo) []Finding {
	name := "autodiscover." + rn.domain
	cl := rn.r.lookup(ctx, name, dns.TypeCNAME)
	if cl.Err != nil {
		return []Finding{failed("autodiscover", "the Autodiscover record", cl)}
	}
	al := rn.r.lookup(ctx, name, dns.TypeA)
	sl := rn.r.lookup(ctx, "_autodiscover._tcp."+rn.domain, dns.TypeSRV)
	ev := append(append(evidenceOf(src(cl), cl.Records), evidenceOf(src(al), al.Records)...), evidenceOf(src(sl), sl.Records)...)
	target := ""
	if len(cl.Records) > 0 {
		target = bare(cl.Records[0].(*dns.CNAME).Target)
	}
	// Outlook tries autodiscover.<domain> (CNAME or address) before the SRV
	// record, so an address record there wins over any SRV target.
	if target == "" && len(al.Records) == 0 && len(sl.Records) > 0 {
		target = bare(sl.Records[0].(*dns.SRV).Target)
	}
	if target == "" && len(al.Records) == 0 { // nothing found: "not set up" only if every lookup answered
		for _, l := range []lookup{al, sl} {
			if l.Err != nil {
				return []Finding{failed("autodiscover", "the Autodiscover records", l)}
			}
		}
	}
	want := rn.profile.AutodiscoverTarget
	switch {
	case want != "" && sameHost(target, want):
		return []Finding{{Check: "autodiscover", Severity: SeverityOK, Summary: "Autodiscover points at " + want + ": Outlook will find the new host.", Evidence: ev}}
	case want != "":
		sev := SeverityInfo
		if rn.cutoverPassed() {
			sev = SeverityWarning
		}
		now := "Autodiscover is not set up"
		if target != "" {
			now = "Autodiscover points at " + target
		} else if len(al.Records) > 0 {
			now = "Autodiscover points at the address " + rrValue(al.Records[0])
		}
		return []Finding{{Check: "autodiscover", Severity: sev, Summary: now + "; Outlook will not find the new host until it points at " + want + ".", Evidence: ev,
			Action: fmt.Sprintf("On the cutover day, set a CNAME record: %s → %s (delete any A record or _autodiscover._tcp SRV record for the old host).", name, want)}}
	case target == "" && len(al.Records) == 0:
		return []Finding{{Check: "autodiscover", Severity: SeverityInfo, Summary: "Autodiscover is not set up; mail apps must be configured by hand.", Evidence: ev}}
	}
	return []Finding{{Check: "autodiscover", Severity: SeverityInfo, Summary: "Autodiscover is set up (" + firstNonEmpty(target, "address record") + ").", Evidence: ev}}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// checkMTASTS reports MTA-STS and TLS-RPT: an MTA-STS policy names the
// allowed MX hosts and must be updated before the MX changes.
func (rn *run) checkMTASTS(ctx context.Context, z *zoneInfo) []Finding {
	var out []Finding
	sl := rn.r.lookup(ctx, "_mta-sts."+rn.domain, dns.TypeTXT)
	switch {
	case sl.Err != nil:
		out = append(out, failed("mta-sts", "the MTA-STS record", sl))
	case countPrefixTXT(sl.Records, "v=STSv1") > 1: // RFC 8461 3.1: senders then use no policy
		out = append(out, Finding{Check: "mta-sts", Severity: SeverityWarning, Summary: fmt.Sprintf("There are %d MTA-STS records; senders ignore them all, so MTA-STS is off.", countPrefixTXT(sl.Records, "v=STSv1")),
			Evidence: evidenceOf(src(sl), sl.Records), Action: "Keep one _mta-sts TXT record (v=STSv1; id=…) and delete the others."})
	case hasPrefixTXT(sl.Records, "v=STSv1") && !strings.Contains(strings.ToLower(strings.Join(txtStrings(sl.Records), " ")), "id="):
		out = append(out, Finding{Check: "mta-sts", Severity: SeverityWarning, Summary: "The MTA-STS record has no id=, so senders ignore it and MTA-STS is off.",
			Evidence: evidenceOf(src(sl), sl.Records), Action: "Add an id= (for example the date, id=20260101) to the _mta-sts TXT record."})
	case hasPrefixTXT(sl.Records, "v=STSv1"):
		f := Finding{Check: "mta-sts", Severity: SeverityInfo, Summary: "MTA-STS is on: senders check that the MX is one its policy file allows.",
			Evidence: evidenceOf(src(sl), sl.Records)}
		if len(rn.req.ExpectMX) > 0 {
			f.Severity = SeverityWarning
			f.Summary += " The policy must name the new host before the MX changes."
			f.Action = fmt.Sprintf("Before the cutover, add \"mx: %s\" to https://mta-sts.%s/.well-known/mta-sts.txt and change the id= in the _mta-sts TXT record; remove the old host after the cutover.", rn.req.ExpectMX[0], rn.domain)
		}
		out = append(out, f)
	default:
		out = append(out, Finding{Check: "mta-sts", Severity: SeverityInfo, Summary: "MTA-STS is not set up (optional: it forces encrypted delivery to your domain)."})
	}
	tl := rn.r.lookup(ctx, "_smtp._tls."+rn.domain, dns.TypeTXT)
	switch {
	case tl.Err != nil:
		out = append(out, failed("tls-rpt", "the TLS-RPT record", tl))
	case hasPrefixTXT(tl.Records, "v=TLSRPTv1"):
		out = append(out, Finding{Check: "tls-rpt", Severity: SeverityInfo, Summary: "TLS reporting (TLS-RPT) is on.", Evidence: evidenceOf(src(tl), tl.Records)})
	default:
		out = append(out, Finding{Check: "tls-rpt", Severity: SeverityInfo, Summary: "TLS reporting (TLS-RPT) is not set up (optional)."})
	}
	return out
}

func hasPrefixTXT(rrs []dns.RR, prefix string) bool { return countPrefixTXT(rrs, prefix) > 0 }

// countPrefixTXT counts the TXT records starting with prefix (any case).
func countPrefixTXT(rrs []dns.RR, prefix string) int {
	n := 0
	for _, s := range txtStrings(rrs) {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix)) {
			n++
		}
	}
	return n
}
