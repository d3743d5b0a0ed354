package domain

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// referral is a zone cut as a parent server announced it.
type referral struct {
	Zone string    // the delegated zone, fqdn
	NS   []*dns.NS // the parent's NS set
	DS   []dns.RR  // DS records in the referral (DNSSEC delegation)
	From server    // the parent server that gave the referral
	Glue map[string][]string
}

// lookup is the answer to a question found by iterating from the roots:
// the authoritative view, not any resolver's cache.
type lookup struct {
	Name    string
	Type    uint16
	Records []dns.RR // records of Type at the end of the CNAME chain
	Chain   []dns.RR // CNAMEs followed, in order
	Rcode   int      // of the final answer
	Server  server   // the server that answered
	Signed  bool     // RRSIGs came with the answer
	Err     error    // no usable answer (transport failure, lame servers)
}

// exists reports whether the name exists (NOERROR, possibly with no data).
func (l lookup) nxdomain() bool { return l.Err == nil && l.Rcode == dns.RcodeNameError }

// resolver iterates from the configured roots, caching zone cuts and
// answers for one run. Safe for concurrent use.
type resolver struct {
	cfg Config
	x   exchanger

	mu      sync.Mutex
	cuts    map[string]cut // zone fqdn -> servers
	answers map[string]lookup
}

type cut struct {
	ref     referral
	servers []server
}

func newResolver(cfg Config) *resolver {
	return &resolver{cfg: cfg, x: exchanger{timeout: cfg.Timeout, retries: cfg.Retries},
		cuts: map[string]cut{}, answers: map[string]lookup{}}
}

func (r *resolver) roots() []server {
	var out []server
	for _, a := range r.cfg.Roots {
		out = append(out, server{Name: "root server " + a, Addr: a})
	}
	return out
}

// closestCut returns the deepest cached zone cut enclosing name.
func (r *resolver) closestCut(name string) (string, []server) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for n := fqdn(name); ; {
		if c, ok := r.cuts[n]; ok && len(c.servers) > 0 {
			return n, c.servers
		}
		if n == "." {
			break
		}
		_, rest, _ := strings.Cut(n, ".")
		n = rest
		if n == "" {
			n = "."
		}
	}
	return ".", r.roots()
}

// cutFor returns the cached referral for zone (from its parent), if any.
func (r *resolver) cutFor(zone string) (cut, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cuts[fqdn(zone)]
	return c, ok
}

// iterate asks from the closest known zone cut down to the server that
// answers name/qtype authoritatively (or says NXDOMAIN).
func (r *resolver) iterate(ctx context.Context, name string, qtype uint16, depth int) (answer, error) {
	zone, servers := r.closestCut(name)
	for step := 0; step < 24; step++ {
		var got answer
		var problems, names, causes []string
		allNet := true
		for _, s := range servers {
			if ctx.Err() != nil {
				return answer{}, ctx.Err()
			}
			a := r.x.ask(ctx, s, name, qtype, false)
			if a.ok() && usable(a.Msg, name, zone) {
				got = a
				break
			}
			allNet = allNet && a.Err != nil
			p := a.problem()
			if p == "" {
				p = lameProblem
			}
			problems, names, causes = append(problems, s.String()+": "+p), append(names, s.String()), append(causes, p)
		}
		if got.Msg == nil {
			var err error = &noAnswerError{Zone: zone, Name: bare(name), Problems: problems, Servers: names, Causes: causes}
			if allNet && zone == "." {
				err = fmt.Errorf("%w: %v", errOffline, err)
			}
			return answer{}, err
		}
		m := got.Msg
		if m.Rcode == dns.RcodeNameError || len(m.Answer) > 0 || m.Authoritative {
			return got, nil
		}
		ref := referralIn(m, name, zone)
		ref.From = got.Server
		servers = r.serversFor(ctx, *ref, depth)
		if len(servers) == 0 {
			return answer{}, fmt.Errorf("no address found for the name servers of %s", bare(ref.Zone))
		}
		r.mu.Lock()
		r.cuts[ref.Zone] = cut{ref: *ref, servers: servers}
		r.mu.Unlock()
		zone = ref.Zone
	}
	return answer{}, fmt.Errorf("too many referrals resolving %s", bare(name))
}

// usable reports whether m is an answer, an NXDOMAIN or a referral
// deeper than zone: anything else comes from a lame server.
func usable(m *dns.Msg, name, zone string) bool {
	return m.Rcode == dns.RcodeNameError || len(m.Answer) > 0 || m.Authoritative || referralIn(m, name, zone) != nil
}

// referralIn extracts a referral to a zone strictly below zone that
// encloses name, or nil.
func referralIn(m *dns.Msg, name, zone string) *referral {
	ref := &referral{Glue: map[string][]string{}}
	for _, rr := range m.Ns {
		switch v := rr.(type) {
		case *dns.NS:
			owner := fqdn(v.Hdr.Name)
			if !dns.IsSubDomain(owner, fqdn(name)) || owner == fqdn(zone) || !dns.IsSubDomain(fqdn(zone), owner) {
				continue
			}
			if ref.Zone != "" && ref.Zone != owner {
				continue
			}
			ref.Zone = owner
			ref.NS = append(ref.NS, v)
		case *dns.DS:
			ref.DS = append(ref.DS, v)
		}
	}
	if ref.Zone == "" {
		return nil
	}
	for _, rr := range m.Extra {
		switch v := rr.(type) {
		case *dns.A:
			ref.Glue[fqdn(v.Hdr.Name)] = append(ref.Glue[fqdn(v.Hdr.Name)], v.A.String())
		case *dns.AAAA:
			ref.Glue[fqdn(v.Hdr.Name)] = append(ref.Glue[fqdn(v.Hdr.Name)], v.AAAA.String())
		}
	}
	return ref
}

// serversFor turns a referral's NS names into dialable servers, using glue
// or resolving the names (bounded depth).
func (r *resolver) serversFor(ctx context.Context, ref referral, depth int) []server {
	var out []server
	for _, ns := range ref.NS {
		ips := ref.Glue[fqdn(ns.Ns)]
		if len(ips) == 0 && depth < 4 && !dns.IsSubDomain(ref.Zone, fqdn(ns.Ns)) {
			ips = r.addrs(ctx, ns.Ns, depth+1)
		}
		for _, ip := range ips {
			out = append(out, server{Name: bare(ns.Ns), IP: ip, Addr: r.cfg.dialAddr(ip)})
		}
	}
	return out
}

// addrs returns the IPv4 addresses of host (IPv6 when it has none).
func (r *resolver) addrs(ctx context.Context, host string, depth int) []string {
	var out []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		l := r.lookupDepth(ctx, host, t, depth)
		for _, rr := range l.Records {
			switch v := rr.(type) {
			case *dns.A:
				out = append(out, v.A.String())
			case *dns.AAAA:
				out = append(out, v.AAAA.String())
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}
