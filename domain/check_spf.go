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
			Evidence: ev, Action: "Correct the TXT record; for example: " + suggest.String()}}
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
	if len(t.Broken) > 0 {
		out = append(out, Finding{Check: "spf", Severity: SeverityWarning, Summary: "Part of the SPF record is broken: " + t.Broken[0] + ".",
			Evidence: ev, Action: "Remove or correct that term of the SPF record."})
	}
	if len(t.Unread) > 0 {
		out = append(out, Finding{Check: "spf", Severity: SeverityWarning,
			Summary:  "Part of the SPF record could not be read: " + strings.Join(t.Unread, ", ") + "; receivers meeting the same failure cannot check SPF (temperror) and may delay or reject the mail.",
			Evidence: ev, Action: "Ask whoever runs that domain's DNS to fix it, or remove the term if the service is no longer used; then run the check again."})
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
