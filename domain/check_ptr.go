package domain

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// checkPTR checks the reverse DNS of each outbound IP and that the name
// points back to the IP (forward-confirmed).
func (rn *run) checkPTR(ctx context.Context, z *zoneInfo) []Finding {
	var out []Finding
	for _, ipText := range rn.req.OutboundIPs {
		ip := net.ParseIP(strings.TrimSpace(ipText))
		if ip == nil {
			out = append(out, Finding{Check: "ptr", Severity: SeverityWarning, Summary: fmt.Sprintf("%q is not an IP address, so its reverse DNS was not checked.", ipText)})
			continue
		}
		rev, _ := dns.ReverseAddr(ip.String())
		l := rn.r.lookup(ctx, rev, dns.TypePTR)
		if l.Err != nil {
			out = append(out, failed("ptr", "the reverse DNS of "+ip.String(), l))
			continue
		}
		ev := evidenceOf(src(l), l.Records)
		if len(l.Records) == 0 {
			out = append(out, Finding{Check: "ptr", Severity: SeverityWarning, Summary: fmt.Sprintf("The sending address %s has no reverse DNS name; many receivers reject its mail.", ip), Evidence: ev,
				Action: "Ask whoever provides that address (the hosting or internet provider) to set its reverse DNS name to the mail server's name."})
			continue
		}
		name := bare(l.Records[0].(*dns.PTR).Ptr)
		back := rn.r.addrs(ctx, name, 0)
		matched := false
		for _, b := range back {
			if net.ParseIP(b).Equal(ip) {
				matched = true
			}
		}
		ev = append(ev, Evidence{Name: name, Note: "resolves to " + firstNonEmpty(strings.Join(back, ", "), "nothing")})
		if !matched {
			out = append(out, Finding{Check: "ptr", Severity: SeverityWarning, Summary: fmt.Sprintf("The reverse name of %s is %s, but that name does not point back to %s.", ip, name, ip), Evidence: ev,
				Action: fmt.Sprintf("Add an A record %s → %s, or change the reverse name to one that does.", name, ip)})
			continue
		}
		out = append(out, Finding{Check: "ptr", Severity: SeverityOK, Summary: fmt.Sprintf("%s has the reverse name %s, which points back to it.", ip, name), Evidence: ev})
	}
	return out
}

// tenantHint asks the reader to fill in the Microsoft 365 tenant when the
// request did not name it (the DKIM targets then hold "<tenant>").
func tenantHint(tenant string) string {
	if tenant != "" {
		return ""
	}
	return " (your tenant's name replaces <tenant>)"
}
