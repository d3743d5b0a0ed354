package domain

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// SPF limits from RFC 7208 section 4.6.4.
const (
	spfMaxLookups = 10
	spfMaxVoids   = 2
)

// spfTally counts DNS lookups and void lookups through includes and redirects.
type spfTally struct {
	Lookups  int
	Voids    int
	Domains  []string        // every SPF record visited, in order, each once
	Problems []string        // includes that fail, unfollowable macros, ptr
	path     map[string]bool // records being evaluated (to find loops)
}

// includes reports whether inc was reached anywhere in the tree.
func (t *spfTally) includes(inc string) bool {
	for _, d := range t.Domains {
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
				if l6 := rn.r.lookup(ctx, target, dns.TypeAAAA); l6.Err == nil && len(l6.Records) == 0 {
					t.Voids++
				}
			}
		case term.Name == "mx":
			t.Lookups++
			if l := rn.r.lookup(ctx, target, dns.TypeMX); l.Err == nil && len(l.Records) == 0 {
				t.Voids++
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
		t.Problems = append(t.Problems, how+" leads back to a record it is part of, an endless loop (receivers give up: permerror)")
		return
	}
	l := rn.r.lookup(ctx, target, dns.TypeTXT)
	if l.Err != nil {
		t.Problems = append(t.Problems, how+": could not be read ("+l.Err.Error()+")")
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
		t.Problems = append(t.Problems, how+" has no SPF record: receivers return an error (permerror)")
		return
	case len(spfs) > 1:
		t.Problems = append(t.Problems, how+" has more than one SPF record (permerror)")
		return
	}
	rec, err := ParseSPF(spfs[0])
	if err != nil {
		t.Problems = append(t.Problems, how+": "+err.Error())
		return
	}
	if !t.includes(target) {
		t.Domains = append(t.Domains, bare(target))
	}
	rn.countSPF(ctx, rec, target, t, depth+1)
}

// checkSPF checks the domain's SPF record: exactly one, valid, within the
// lookup limits, ending in ~all or -all, including the new host.
func (rn *run) checkSPF(ctx context.Context, z *zoneInfo) []Finding {
	l := rn.r.lookup(ctx, rn.domain, dns.TypeTXT)
	if l.Err != nil {
		return []Finding{failed("spf", "the SPF record", l)}
	}
	var spfs []string
	var ev []Evidence
	for _, rr := range l.Records {
		if s := txtStrings([]dns.RR{rr}); len(s) == 1 && IsSPF(s[0]) {
			spfs = append(spfs, s[0])
			ev = append(ev, evidenceOf(src(l), []dns.RR{rr})...)
		}
	}
	inc := rn.spfInclude()
	suggest := MergeSPF(SPFRecord{}, inc)
	if inc == "" {
		suggest = SPFRecord{Terms: []SPFTerm{{Qualifier: '+', Name: "mx"}, {Qualifier: '~', Name: "all"}}}
	}
	switch len(spfs) {
	case 0:
		return []Finding{{Check: "spf", Severity: SeverityWarning, Summary: "The domain has no SPF record: receivers cannot tell which servers may send its mail, so more of it lands in spam.",
			Action: fmt.Sprintf("Add a TXT record at %s: %s", rn.domain, suggest)}}
	case 1:
	default:
		return []Finding{{Check: "spf", Severity: SeverityWarning, Summary: fmt.Sprintf("The domain has %d SPF records; receivers treat that as an error and SPF fails for all its mail.", len(spfs)),
			Evidence: ev, Action: "Merge them into one TXT record starting with v=spf1 and delete the others."}}
	}
	rec, err := ParseSPF(spfs[0])
	if err != nil {
		return []Finding{{Check: "spf", Severity: SeverityWarning, Summary: "The SPF record has a syntax error, so receivers ignore it: " + err.Error() + ".",
			Evidence: ev, Action: "Correct the TXT record; for example: " + MergeSPF(SPFRecord{}, inc).String()}}
	}
	var t spfTally
	t.Domains = []string{rn.domain}
	rn.countSPF(ctx, rec, rn.domain, &t, 0)
	ev = append(ev, Evidence{Note: fmt.Sprintf("%d DNS lookups (limit %d), %d void lookups (limit %d); records visited: %s", t.Lookups, spfMaxLookups, t.Voids, spfMaxVoids, strings.Join(t.Domains, ", "))})
	for _, p := range t.Problems {
		ev = append(ev, Evidence{Note: p})
	}
	var out []Finding
	if t.Lookups > spfMaxLookups {
		out = append(out, Finding{Check: "spf.lookups", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("The SPF record needs %d DNS lookups; receivers stop at %d and then fail SPF for your mail.", t.Lookups, spfMaxLookups),
			Evidence: ev, Action: "Remove includes of services you no longer send through (the old host after the cutover), or replace some includes by their ip4:/ip6: ranges."})
	}
	if t.Voids > spfMaxVoids {
		out = append(out, Finding{Check: "spf.lookups", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("The SPF record makes %d lookups that find nothing (limit %d); receivers then fail SPF.", t.Voids, spfMaxVoids),
			Evidence: ev, Action: "Remove includes and a:/mx: terms that point at names without records."})
	}
	if len(t.Problems) > 0 && strings.Contains(strings.Join(t.Problems, " "), "permerror") {
		out = append(out, Finding{Check: "spf", Severity: SeverityWarning, Summary: "Part of the SPF record is broken: " + t.Problems[0] + ".",
			Evidence: ev, Action: "Remove or correct that term of the SPF record."})
	}
	all, hasAll := rec.All()
	switch {
	case hasAll && all.Qualifier == '+':
		out = append(out, Finding{Check: "spf.all", Severity: SeverityWarning, Summary: "The SPF record ends in +all: it allows any server in the world to send as your domain.",
			Evidence: ev, Action: "Change +all to ~all (or -all once every sender is listed)."})
	case hasAll && all.Qualifier == '?':
		out = append(out, Finding{Check: "spf.all", Severity: SeverityWarning, Summary: "The SPF record ends in ?all, which protects nothing.",
			Evidence: ev, Action: "Change ?all to ~all (or -all once every sender is listed)."})
	case !hasAll && rec.Modifier("redirect") == "":
		out = append(out, Finding{Check: "spf.all", Severity: SeverityWarning, Summary: "The SPF record does not end in ~all or -all, so mail from other servers is not flagged.",
			Evidence: ev, Action: "Add ~all at the end of the record."})
	}
	late := rec.AfterAll()
	if len(late) > 0 {
		out = append(out, Finding{Check: "spf.all", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("The SPF record has terms after %s that receivers never read: %s.", all, termsString(late)),
			Evidence: ev, Action: "Put " + all.String() + " at the end: " + MergeSPF(rec.AllLast(), inc).String()})
	}
	if inc != "" && !t.includes(inc) && !hasInclude(late, inc) {
		out = append(out, Finding{Check: "spf.newhost", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("The SPF record does not include the new host (include:%s): mail sent from it will fail SPF.", inc),
			Evidence: ev, Action: fmt.Sprintf("Change the record to: %s — keep the old host's include until the old host sends no more mail.", MergeSPF(rec, inc))})
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: "spf", Severity: SeverityOK,
			Summary:  fmt.Sprintf("The SPF record is valid and uses %d of %d DNS lookups.", t.Lookups, spfMaxLookups),
			Evidence: ev})
	}
	return out
}

// spfInclude is the new host's SPF include: from the request, else the profile.
func (rn *run) spfInclude() string {
	if rn.req.SPFInclude != "" {
		return bare(rn.req.SPFInclude)
	}
	return rn.profile.SPFInclude
}
