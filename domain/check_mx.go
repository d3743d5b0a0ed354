package domain

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// mxTargets returns the MX records sorted by preference.
func mxTargets(rrs []dns.RR) []*dns.MX {
	var out []*dns.MX
	for _, rr := range rrs {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, mx)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Preference < out[j].Preference })
	return out
}

// checkMX checks the MX records: present, resolvable, and pointing at the
// new host (no backup MX left at the old one) when one is expected.
func (rn *run) checkMX(ctx context.Context, z *zoneInfo) []Finding {
	l := rn.r.lookup(ctx, rn.domain, dns.TypeMX)
	if l.Err != nil {
		return []Finding{failed("mx", "the MX records", l)}
	}
	mxs := mxTargets(l.Records)
	ev := evidenceOf(src(l), l.Records)
	expect := rn.req.ExpectMX
	if len(mxs) == 0 {
		act := "Add an MX record for the domain pointing at the mail server."
		if len(expect) > 0 {
			act = fmt.Sprintf("Add an MX record: %s MX 0 %s", rn.domain, expect[0])
		}
		return []Finding{{Check: "mx", Severity: SeverityWarning, Summary: "The domain has no MX record; senders fall back to its web address, which usually rejects mail.", Evidence: ev, Action: act}}
	}
	if len(mxs) == 1 && bare(mxs[0].Mx) == "" {
		return []Finding{{Check: "mx", Severity: SeverityWarning, Summary: "The domain's MX says it accepts no mail at all (null MX).", Evidence: ev,
			Action: "Replace the null MX with the mail host's MX record."}}
	}
	var out []Finding
	var broken, unknown []string
	var unknownErr error // why the first of unknown could not be looked up
	resolved := 0
	for _, mx := range mxs {
		t := bare(mx.Mx)
		al := rn.r.lookup(ctx, t, dns.TypeA)
		ips := rn.r.addrs(ctx, t, 0)
		if len(al.Chain) > 0 { // a copy: ev grows below and must not overwrite this finding's evidence
			out = append(out, Finding{Check: "mx.target", Severity: SeverityWarning, Summary: fmt.Sprintf("The MX target %s is an alias (CNAME); some senders refuse that.", t),
				Evidence: append(append([]Evidence{}, ev...), evidenceOf(src(al), al.Chain)...), Action: "Point the MX at the server's real name."})
		}
		if net.ParseIP(t) != nil {
			out = append(out, Finding{Check: "mx.target", Severity: SeverityWarning, Summary: fmt.Sprintf("The MX target %s is an IP address, not a host name; senders look it up as a name and find nothing.", t),
				Evidence: append([]Evidence{}, ev...), Action: fmt.Sprintf("Add an A record such as mail.%s → %s and point the MX at that name.", rn.domain, t)})
		}
		switch {
		case len(ips) > 0:
			resolved++
			ev = append(ev, Evidence{Name: t, Note: "resolves to " + strings.Join(ips, ", ")})
		case al.Err != nil: // our lookup failed: the target may well have an address
			if unknown = append(unknown, t); unknownErr == nil {
				unknownErr = al.Err
			}
			ev = append(ev, Evidence{Name: t, Note: "address could not be looked up: " + lookupWhy(al.Err)})
		default:
			broken = append(broken, t)
			ev = append(ev, Evidence{Source: src(al), Name: t, Note: "has no address (A/AAAA)"})
		}
	}
	if len(unknown) > 0 {
		out = append(out, Finding{Check: "mx.target", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("Could not check whether the MX target %s has an address: %s.", strings.Join(unknown, ", "), lookupWhy(unknownErr)),
			Evidence: ev, Action: "Run the checks again later; if this persists, ask whoever hosts that server's DNS to check their name servers."})
	}
	switch {
	case len(broken) == len(mxs):
		out = append(out, Finding{Check: "mx.target", Severity: SeverityBlocker, Summary: "No MX target has an address: mail to the domain cannot be delivered.",
			Evidence: ev, Action: "Correct the MX records (or the mail server's A record) now."})
	case len(broken) > 0:
		out = append(out, Finding{Check: "mx.target", Severity: SeverityWarning, Summary: fmt.Sprintf("The MX target %s has no address; mail sent there is delayed.", strings.Join(broken, ", ")),
			Evidence: ev, Action: "Remove that MX record or give the server an address."})
	}
	if len(expect) == 0 {
		if resolved > 0 { // else the findings above say where mail cannot go
			out = append(out, Finding{Check: "mx", Severity: SeverityOK, Summary: "Mail for the domain goes to " + mxList(mxs) + ".", Evidence: ev})
		}
		return out
	}
	var onNew, onOld []*dns.MX
	for _, mx := range mxs {
		if containsHost(expect, mx.Mx) {
			onNew = append(onNew, mx)
		} else {
			onOld = append(onOld, mx)
		}
	}
	switch {
	case len(onOld) == 0:
		out = append(out, Finding{Check: "mx", Severity: SeverityOK, Summary: "The MX points at the new host (" + mxList(mxs) + ").", Evidence: ev})
	case len(onNew) == 0:
		sev, act := SeverityInfo, fmt.Sprintf("On the cutover day, replace the MX records by: %s MX 0 %s", rn.domain, expect[0])
		if !rn.req.Cutover.IsZero() && rn.now.After(rn.req.Cutover) {
			sev, act = SeverityWarning, fmt.Sprintf("The cutover date has passed: replace the MX records by %s MX 0 %s now.", rn.domain, expect[0])
		}
		out = append(out, Finding{Check: "mx", Severity: sev, Summary: "Mail still goes to the old host (" + mxList(mxs) + ").", Evidence: ev, Action: act})
	case mxs[0].Preference < onNew[0].Preference:
		out = append(out, Finding{Check: "mx", Severity: SeverityWarning, Summary: "The new host is only a backup MX; most mail still goes to " + mxList(onOld) + ".",
			Evidence: ev, Action: "Remove the old host's MX records (" + mxList(onOld) + ") so that all mail goes to the new host."})
	case onOld[0].Preference == onNew[0].Preference: // onOld is sorted like mxs
		out = append(out, Finding{Check: "mx", Severity: SeverityWarning,
			Summary:  "The old host has the same priority as the new host (" + mxList(mxs) + "): senders pick one at random, so part of the mail still goes to the old host.",
			Evidence: ev, Action: "Remove the old host's MX records (" + mxList(onOld) + ") so that all mail goes to the new host."})
	default:
		out = append(out, Finding{Check: "mx.backup", Severity: SeverityWarning, Summary: "A backup MX still points at the old host (" + mxList(onOld) + "); mail lands there whenever the new host is slow or busy.",
			Evidence: ev, Action: "Remove the MX records for " + mxList(onOld) + "."})
	}
	return out
}

// mxList renders MX records as "host (priority n), …".
func mxList(mxs []*dns.MX) string {
	var parts []string
	for _, mx := range mxs {
		parts = append(parts, fmt.Sprintf("%s (priority %d)", bare(mx.Mx), mx.Preference))
	}
	return strings.Join(parts, ", ")
}

func containsHost(list []string, h string) bool {
	for _, x := range list {
		if sameHost(x, h) {
			return true
		}
	}
	return false
}
