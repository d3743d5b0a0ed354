package domain

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// checkNS compares the parent's delegation with the zone's own NS set,
// finds lame servers and compares the NS hosts with the admin's DNS provider.
func (rn *run) checkNS(ctx context.Context, z *zoneInfo) []Finding {
	var out []Finding
	parent, child := nsNames(z.ParentNS), nsNames(z.ChildNS)
	ev := append(nsEvidence(z.ParentFrom, z.ParentNS), nsEvidence(z.ChildFrom, z.ChildNS)...)
	switch {
	case len(parent) > 0 && len(child) > 0 && strings.Join(parent, " ") != strings.Join(child, " "):
		out = append(out, Finding{Check: "ns", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("The registry lists the name servers %s, but the zone itself lists %s.", strings.Join(parent, ", "), strings.Join(child, ", ")),
			Evidence: ev,
			Action:   "Make both lists the same: update the name servers at the registrar or the NS records at the DNS host. Until then some resolvers ask servers you may not update."})
	case len(child) == 0 && len(parent) == 0:
		out = append(out, Finding{Check: "ns", Severity: SeverityWarning, Summary: "The zone's name servers could not be listed.", Evidence: ev,
			Action: "Ask the DNS host to check the zone's NS records."})
	}
	var lame []string
	var lameEv []Evidence
	for _, a := range z.SOAs {
		if soaOf(a) != nil {
			continue
		}
		why := lameWhy(a)
		lame = append(lame, a.Server.String())
		lameEv = append(lameEv, Evidence{Source: a.Server.String(), Name: z.Apex, Type: "SOA", Note: why})
	}
	for _, e := range z.NoAddress {
		lame = append(lame, e.Name)
		lameEv = append(lameEv, e)
	}
	total := len(z.SOAs) + len(z.NoAddress)
	switch {
	case total > 0 && len(lame) == total:
		out = append(out, Finding{Check: "ns.lame", Severity: SeverityBlocker,
			Summary:  "None of the domain's name servers answers for it.",
			Evidence: lameEv,
			Action:   noServerAction})
	case len(lame) > 0:
		out = append(out, Finding{Check: "ns.lame", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("%d of %d name servers do not answer for the domain: %s.", len(lame), total, strings.Join(lame, ", ")),
			Evidence: lameEv,
			Action:   "Remove these servers from the name-server list at the registrar and the zone, or have them fixed. Resolvers that pick them are slow or fail."})
	}
	if p := bare(rn.req.DNSProvider); p != "" {
		var elsewhere []string
		for _, n := range nsNames(z.ParentNS, z.ChildNS) {
			if !underDomain(n, p) {
				elsewhere = append(elsewhere, n)
			}
		}
		if len(elsewhere) > 0 {
			out = append(out, Finding{Check: "ns.provider", Severity: SeverityWarning,
				Summary:  fmt.Sprintf("The domain's DNS is answered by %s, not by %s where you plan to make the changes.", strings.Join(elsewhere, ", "), p),
				Evidence: ev,
				Action:   fmt.Sprintf("Make the MX, SPF and Autodiscover changes where the name servers are (%s), or move the name servers to %s well before the cutover — a move takes up to two days to settle.", strings.Join(elsewhere, ", "), p)})
		}
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: "ns", Severity: SeverityOK,
			Summary:  fmt.Sprintf("The domain's DNS is served by %d name servers (%s), all answering, and the registry agrees.", len(child), strings.Join(child, ", ")),
			Evidence: ev})
	}
	return out
}

// noServerAction is what to do when no name server answers for the domain.
const noServerAction = "The DNS host must serve the zone before any change can work. Contact them, or point the name servers at the registrar to a DNS host that serves the zone."

// checkSOA compares the zone serial across every authoritative server.
func (rn *run) checkSOA(ctx context.Context, z *zoneInfo) []Finding {
	bySerial := map[uint32][]string{}
	var ev []Evidence
	for _, a := range z.SOAs {
		if s := soaOf(a); s != nil {
			bySerial[s.Serial] = append(bySerial[s.Serial], a.Server.String())
			ev = append(ev, evidenceOf(a.Server.String(), []dns.RR{s})...)
		}
	}
	switch len(bySerial) {
	case 0:
		return nil // checkNS reports servers that do not answer
	case 1:
		for serial, srvs := range bySerial {
			return []Finding{{Check: "soa", Severity: SeverityOK,
				Summary:  fmt.Sprintf("All %d answering name servers have the same version of the zone (serial %d).", len(srvs), serial),
				Evidence: ev}}
		}
	}
	var serials []uint32
	for s := range bySerial {
		serials = append(serials, s)
	}
	sort.Slice(serials, func(i, j int) bool { return serialNewer(serials[i], serials[j]) })
	var behind []string
	for _, s := range serials[1:] {
		behind = append(behind, fmt.Sprintf("%s (serial %d)", strings.Join(bySerial[s], ", "), s))
	}
	return []Finding{{Check: "soa", Severity: SeverityWarning,
		Summary:  fmt.Sprintf("The name servers have different versions of the zone: newest serial %d, but %s lag behind.", serials[0], strings.Join(behind, "; ")),
		Evidence: ev,
		Action:   "A recent change has not reached every name server yet. Wait a few minutes and check again; if it persists, ask the DNS host to fix the transfer to the lagging servers. Until then resolvers see old and new records at random."}}
}

// serialNewer reports whether SOA serial a is newer than b in serial
// number arithmetic (RFC 1982): serials wrap, so 5 is newer than 4294967290.
func serialNewer(a, b uint32) bool { return a != b && int32(a-b) > 0 }

// checkDNSSEC reports whether the zone is signed (RRSIGs in authoritative
// answers), whether the registry publishes DS records, whether the
// resolvers validated (AD bit), and whether any of them rejects the
// signatures (SERVFAIL that an answer with CD set contradicts).
func (rn *run) checkDNSSEC(ctx context.Context, z *zoneInfo) []Finding {
	signedBy := 0
	var ev []Evidence
	for _, a := range z.SOAs {
		if soaOf(a) != nil && signed(a.Msg) {
			signedBy++
		}
	}
	for _, ds := range z.DS {
		ev = append(ev, evidenceOf(z.ParentFrom.String(), []dns.RR{ds})...)
	}
	x := exchanger{timeout: rn.cfg.Timeout, retries: 0}
	validated := []string{}
	var failing []server
	for _, a := range askAll(ctx, x, rn.resolverServers(), z.Apex, dns.TypeSOA, true) {
		if a.ok() && a.Msg.AuthenticatedData {
			validated = append(validated, a.Server.Name)
		}
		if a.Err == nil && a.Msg.Rcode == dns.RcodeServerFailure {
			failing = append(failing, a.Server)
		}
	}
	if len(validated) > 0 {
		ev = append(ev, Evidence{Note: "validated (AD bit) by " + strings.Join(validated, ", ")})
	}
	// A resolver that fails the zone but answers with checking disabled
	// rejects its signatures (bogus): for its users the domain is gone.
	// DS records without any signatures are the likelier cause, named first.
	var bogus []string
	if signedBy > 0 || len(z.DS) > 0 {
		x.cd = true
		for _, a := range askAll(ctx, x, failing, z.Apex, dns.TypeSOA, true) {
			if a.ok() {
				bogus = append(bogus, a.Server.Name)
				ev = append(ev, Evidence{Source: a.Server.Name, Name: z.Apex, Type: "SOA", Note: "SERVFAIL, but answers with checking disabled (CD): DNSSEC validation fails"})
			}
		}
	}
	switch {
	case len(z.DS) > 0 && signedBy == 0:
		return []Finding{{Check: "dnssec", Severity: SeverityBlocker,
			Summary:  "The registry says the zone is signed with DNSSEC (DS records), but the name servers send no signatures: validating resolvers will refuse the domain.",
			Evidence: ev,
			Action:   "Either turn DNSSEC signing back on at the DNS host or remove the DS records at the registrar, then wait for the DS TTL to pass."}}
	case len(bogus) > 0:
		return []Finding{{Check: "dnssec", Severity: SeverityBlocker,
			Summary:  fmt.Sprintf("Validating resolvers (%s) reject the zone's DNSSEC signatures: for their users the domain and its mail do not exist.", strings.Join(bogus, ", ")),
			Evidence: ev,
			Action:   "Ask the DNS host to re-sign the zone; if the DS records at the registrar belong to an old key or an old DNS host, replace or remove them."}}
	case signedBy > 0:
		f := Finding{Check: "dnssec", Severity: SeverityInfo,
			Summary:  fmt.Sprintf("The zone is signed with DNSSEC (signatures from %d of %d servers; %d DS records at the registry).", signedBy, len(z.SOAs), len(z.DS)),
			Evidence: ev,
			Action:   "Record changes are signed by the DNS host automatically. If you move the DNS to another host, remove the DS records at the registrar first."}
		return []Finding{f}
	}
	return []Finding{{Check: "dnssec", Severity: SeverityInfo, Summary: "The zone is not signed with DNSSEC.", Evidence: ev}}
}

// resolverServers is the configured resolver set as servers.
func (rn *run) resolverServers() []server {
	var out []server
	for _, r := range rn.cfg.Resolvers {
		out = append(out, server{Name: r.Name, Addr: r.Addr})
	}
	return out
}

// lameWhy says why a name server's reply to SOA at the apex is not the
// zone's: no usable reply at all, a referral elsewhere, no authority, or
// an authoritative reply without the zone (it serves some other zone).
func lameWhy(a answer) string {
	if p := a.problem(); p != "" {
		return p
	}
	switch m := a.Msg; {
	case !m.Authoritative && len(m.Answer) == 0 && len(rrsOf(m.Ns, dns.TypeNS)) > 0:
		return "answers with a referral instead of serving the zone (lame)"
	case !m.Authoritative:
		return "answers but not authoritatively (lame)"
	case m.Rcode == dns.RcodeNameError:
		return "says the domain does not exist (NXDOMAIN): it does not serve the zone"
	}
	return "answers without the zone's SOA record"
}
