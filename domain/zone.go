package domain

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// zoneInfo is what the zone checks learnt about the domain's zone.
type zoneInfo struct {
	Apex       string    // the zone holding the domain's records
	ParentNS   []*dns.NS // the parent's delegation; nil when not seen
	ParentFrom server
	DS         []dns.RR  // DS records in the parent's referral
	ChildNS    []*dns.NS // the zone's own NS set
	ChildFrom  server
	Servers    []server   // every authoritative server named by either NS set
	SOAs       []answer   // each server's reply to SOA at the apex
	NoAddress  []Evidence // NS names (of either set) without an address to ask, with why
}

// zone finds the domain's zone, its delegation and its servers. It returns
// nil (and the findings saying why) when the domain cannot be found.
func (rn *run) zone(ctx context.Context) (*zoneInfo, []Finding) {
	l := rn.r.lookup(ctx, rn.domain, dns.TypeSOA)
	var na *noAnswerError
	if errors.As(l.Err, &na) && na.Zone == fqdn(rn.domain) {
		return nil, []Finding{noServerAnswers(na)}
	}
	if l.Err != nil {
		return nil, []Finding{failed("ns", "the domain's DNS zone", l)}
	}
	if l.nxdomain() {
		return nil, []Finding{{Check: "ns", Severity: SeverityBlocker,
			Summary:  fmt.Sprintf("The domain %s does not exist in DNS.", rn.domain),
			Evidence: []Evidence{{Source: src(l), Name: rn.domain, Note: "NXDOMAIN"}},
			Action:   "Check the spelling. If the domain is new or was just renewed, make sure it is registered and has name servers at the registrar."}}
	}
	var out []Finding
	z := &zoneInfo{Apex: rn.domain}
	if len(l.Records) == 0 {
		for n := parentName(rn.domain); n != ""; n = parentName(n) { // up to the TLD's zone
			if pl := rn.r.lookup(ctx, n, dns.TypeSOA); len(pl.Records) > 0 && sameHost(pl.Records[0].Header().Name, n) {
				z.Apex = n
				break
			}
		}
		summary := fmt.Sprintf("%s is not a DNS zone of its own; its records live in the zone %s.", rn.domain, z.Apex)
		if z.Apex == rn.domain {
			summary = fmt.Sprintf("%s is not a DNS zone of its own, and no zone above it answered for it.", rn.domain)
		}
		out = append(out, Finding{Check: "ns", Severity: SeverityInfo, Summary: summary})
	}
	if c, ok := rn.r.cutFor(z.Apex); ok {
		z.ParentNS, z.ParentFrom, z.DS = c.ref.NS, c.ref.From, c.ref.DS
	}
	nsl := rn.r.lookup(ctx, z.Apex, dns.TypeNS)
	for _, rr := range nsl.Records {
		z.ChildNS = append(z.ChildNS, rr.(*dns.NS))
	}
	z.ChildFrom = nsl.Server
	z.Servers = rn.authServers(ctx, z)
	z.SOAs = askAll(ctx, exchanger{timeout: rn.cfg.Timeout, retries: rn.cfg.Retries}, z.Servers, z.Apex, dns.TypeSOA, false)
	return z, out
}

// authServers resolves every NS name of both sets to dialable servers.
func (rn *run) authServers(ctx context.Context, z *zoneInfo) []server {
	seen := map[string]bool{}
	var out []server
	add := func(s server) {
		if !seen[s.Name+"|"+s.IP] {
			seen[s.Name+"|"+s.IP] = true
			out = append(out, s)
		}
	}
	if c, ok := rn.r.cutFor(z.Apex); ok {
		for _, s := range c.servers {
			add(s)
		}
	}
	for _, n := range nsNames(z.ParentNS, z.ChildNS) {
		ips := rn.r.addrs(ctx, n, 1)
		for _, ip := range ips {
			add(server{Name: n, IP: ip, Addr: rn.cfg.dialAddr(ip)})
		}
		if len(ips) == 0 && !hasServerNamed(out, n) {
			why := "has no address (A/AAAA), so nobody can ask it"
			if l := rn.r.lookup(ctx, n, dns.TypeA); l.Err != nil {
				why = "its address could not be looked up: " + lookupWhy(l.Err)
			}
			z.NoAddress = append(z.NoAddress, Evidence{Name: n, Note: why})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].IP < out[j].Name+out[j].IP })
	return out
}

// hasServerNamed reports whether a server named n is in srvs (from a referral's glue).
func hasServerNamed(srvs []server, n string) bool {
	for _, s := range srvs {
		if sameHost(s.Name, n) {
			return true
		}
	}
	return false
}

// askAll asks every server the same question in parallel; answers keep the servers' order.
func askAll(ctx context.Context, x exchanger, srvs []server, name string, qtype uint16, rd bool) []answer {
	out := make([]answer, len(srvs))
	var wg sync.WaitGroup
	for i, s := range srvs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = x.ask(ctx, s, name, qtype, rd)
		}()
	}
	wg.Wait()
	return out
}

// nsNames is the sorted union of the host names in the NS sets.
func nsNames(sets ...[]*dns.NS) []string {
	seen := map[string]bool{}
	var out []string
	for _, set := range sets {
		for _, ns := range set {
			n := bare(ns.Ns)
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// parentName drops the first label: "a.b.c" -> "b.c".
func parentName(n string) string {
	_, rest, _ := strings.Cut(bare(n), ".")
	return rest
}

// soaOf returns the SOA in an authoritative answer, or nil.
func soaOf(a answer) *dns.SOA {
	if !a.ok() || !a.Msg.Authoritative {
		return nil
	}
	for _, rr := range a.Msg.Answer {
		if s, ok := rr.(*dns.SOA); ok {
			return s
		}
	}
	return nil
}

// nsEvidence lists an NS set as evidence from src.
func nsEvidence(from server, set []*dns.NS) []Evidence {
	var rrs []dns.RR
	for _, ns := range set {
		rrs = append(rrs, ns)
	}
	return evidenceOf(from.String(), rrs)
}

// noServerAnswers is the blocker for a domain delegated to servers of which
// none answers for it (silent, refusing, failing or lame): the same finding
// checkNS gives when every server answers without authority.
func noServerAnswers(na *noAnswerError) Finding {
	var ev []Evidence
	for i, s := range na.Servers {
		ev = append(ev, Evidence{Source: s, Name: bare(na.Zone), Type: "SOA", Note: na.Causes[i]})
	}
	return Finding{Check: "ns.lame", Severity: SeverityBlocker,
		Summary:  "None of the domain's name servers answers for it: " + na.Plain() + ".",
		Evidence: ev,
		Action:   noServerAction}
}
