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
		name, back, err := rn.forwardConfirm(ctx, l.Records, ip)
		if err != nil {
			out = append(out, Finding{Check: "ptr", Severity: SeverityWarning,
				Summary:  fmt.Sprintf("The reverse name of %s is %s, but whether it points back could not be checked: %s.", ip, name, lookupWhy(err)),
				Evidence: append(ev, Evidence{Name: name, Note: "could not be looked up: " + lookupWhy(err)}), Action: "Run the checks again later."})
			continue
		}
		ev = append(ev, Evidence{Name: name, Note: "resolves to " + firstNonEmpty(strings.Join(back, ", "), "nothing")})
		if !addrIn(back, ip) {
			out = append(out, Finding{Check: "ptr", Severity: SeverityWarning, Summary: fmt.Sprintf("The reverse name of %s is %s, but that name does not point back to %s.", ip, name, ip), Evidence: ev,
				Action: fmt.Sprintf("Add an %s record %s → %s, or change the reverse name to one that does.", addrType(ip), name, ip)})
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

// forwardConfirm looks up the addresses (of ip's family: A or AAAA) of
// each PTR name and returns the first name that points back to ip (else
// the first name), with that name's addresses.
func (rn *run) forwardConfirm(ctx context.Context, ptrs []dns.RR, ip net.IP) (string, []string, error) {
	qtype := dns.TypeAAAA
	if ip.To4() != nil {
		qtype = dns.TypeA
	}
	var firstName string
	var firstBack []string
	var firstErr error
	for i, rr := range ptrs {
		p, ok := rr.(*dns.PTR)
		if !ok {
			continue
		}
		name := bare(p.Ptr)
		l := rn.r.lookup(ctx, name, qtype)
		var back []string
		for _, a := range l.Records {
			back = append(back, rrValue(a))
		}
		if addrIn(back, ip) {
			return name, back, nil
		}
		if i == 0 {
			firstName, firstBack, firstErr = name, back, l.Err
		}
	}
	return firstName, firstBack, firstErr
}

// addrIn reports whether ip is among the addresses.
func addrIn(addrs []string, ip net.IP) bool {
	for _, a := range addrs {
		if net.ParseIP(a).Equal(ip) {
			return true
		}
	}
	return false
}

// addrType names the address record for ip: A or AAAA.
func addrType(ip net.IP) string {
	if ip.To4() != nil {
		return "A"
	}
	return "AAAA"
}
