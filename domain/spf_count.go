package domain

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
)

// spfTally counts DNS lookups and void lookups through includes and redirects.
type spfTally struct {
	Lookups  int
	Voids    int
	Domains  []string        // every SPF record visited, in order, each once
	Problems []string        // every problem, for the evidence: failing includes, unfollowable macros, ptr
	Broken   []string        // the problems receivers answer with permerror (SPF fails)
	Unread   []string        // includes or redirects no server answered for (temperror)
	unread   []string        // their targets
	path     map[string]bool // records being evaluated (to find loops)
}

// broken records a problem that makes receivers return permerror.
func (t *spfTally) broken(p string) {
	t.Problems = append(t.Problems, p)
	t.Broken = append(t.Broken, p)
}

// includes reports whether inc was reached anywhere in the tree (read,
// or named but unreadable: then the temperror is the finding, not its absence).
func (t *spfTally) includes(inc string) bool {
	for _, d := range append(append([]string{}, t.Domains...), t.unread...) {
		if sameHost(d, inc) {
			return true
		}
	}
	return false
}

// countSPF walks rec (published at domain) and everything it includes or
// redirects to, counting lookups the way a receiver would: a record
// included twice is evaluated (and counted) twice; one that includes a
// record it is part of is a loop.
func (rn *run) countSPF(ctx context.Context, rec SPFRecord, domain string, t *spfTally, depth int) {
	if t.path == nil {
		t.path = map[string]bool{}
	}
	t.path[bare(domain)] = true
	defer delete(t.path, bare(domain))
	hasAll := false
	for _, term := range rec.Terms {
		if ctx.Err() != nil || depth > 10 || t.Lookups > 3*spfMaxLookups {
			return
		}
		target, _ := splitCIDR(term.Value)
		if target == "" {
			target = domain
		}
		if !term.Modifier && term.Name == "all" {
			hasAll = true
			break // receivers never evaluate what follows "all"
		}
		switch {
		case term.Modifier:
			continue // a redirect is evaluated after the mechanisms
		case term.Name == "include":
			t.Lookups++
			rn.followSPF(ctx, "include:"+term.Value, term.Value, t, depth)
		case term.Name == "a" || term.Name == "exists":
			t.Lookups++
			if hasMacro(target) {
				t.Problems = append(t.Problems, fmt.Sprintf("%s:%s uses macros and was not followed", term.Name, target))
				continue
			}
			if l := rn.r.lookup(ctx, target, dns.TypeA); l.Err == nil && len(l.Records) == 0 {
				if term.Name == "exists" { // exists asks for A records only (RFC 7208 5.7)
					t.Voids++
				} else if l6 := rn.r.lookup(ctx, target, dns.TypeAAAA); l6.Err == nil && len(l6.Records) == 0 {
					t.Voids++
				}
			}
		case term.Name == "mx":
			t.Lookups++
			l := rn.r.lookup(ctx, target, dns.TypeMX)
			switch {
			case l.Err == nil && len(l.Records) == 0:
				t.Voids++
			case len(l.Records) > spfMaxLookups: // RFC 7208 4.6.4: at most 10 MX hosts per mx
				t.broken(fmt.Sprintf("%s points at %d MX hosts; receivers look up at most %d (permerror)", term, len(l.Records), spfMaxLookups))
			}
		case term.Name == "ptr":
			t.Lookups++
			t.Problems = append(t.Problems, "the ptr mechanism is deprecated and many receivers ignore it")
		}
	}
	if r := rec.Modifier("redirect"); r != "" && !hasAll {
		t.Lookups++
		rn.followSPF(ctx, "redirect="+r, r, t, depth)
	}
}

// followSPF fetches the SPF record at target (for an include or redirect) and counts it.
func (rn *run) followSPF(ctx context.Context, how, target string, t *spfTally, depth int) {
	if hasMacro(target) {
		t.Problems = append(t.Problems, how+" uses macros and was not followed")
		return
	}
	if t.path[bare(target)] {
		t.broken(how + " leads back to a record it is part of, an endless loop (receivers give up: permerror)")
		return
	}
	l := rn.r.lookup(ctx, target, dns.TypeTXT)
	if l.Err != nil {
		t.Unread, t.unread = append(t.Unread, how), append(t.unread, bare(target))
		t.Problems = append(t.Problems, how+" could not be read: "+lookupWhy(l.Err))
		return
	}
	var spfs []string
	for _, s := range txtStrings(l.Records) {
		if IsSPF(s) {
			spfs = append(spfs, s)
		}
	}
	switch {
	case len(spfs) == 0:
		if l.nxdomain() || len(l.Records) == 0 {
			t.Voids++
		}
		t.broken(how + " has no SPF record: receivers return an error (permerror)")
		return
	case len(spfs) > 1:
		t.broken(how + " has more than one SPF record (permerror)")
		return
	}
	rec, err := ParseSPF(spfs[0])
	if err != nil {
		t.broken(how + " leads to a record with a syntax error (" + err.Error() + "): receivers return an error (permerror)")
		return
	}
	if !t.includes(target) {
		t.Domains = append(t.Domains, bare(target))
	}
	rn.countSPF(ctx, rec, target, t, depth+1)
}
