package domain

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Change is one DNS edit the customer must make for the destination.
type Change struct {
	Op    string `json:"op"` // "add", "change" or "remove"
	Name  string `json:"name"`
	Type  string `json:"type"`
	Old   string `json:"old,omitempty"` // the live value ("" for add)
	New   string `json:"new,omitempty"` // the value to set ("" for remove)
	TTL   uint32 `json:"ttl,omitempty"` // suggested TTL
	Why   string `json:"why"`
	Later bool   `json:"later,omitempty"` // do it after the cutover (e.g. remove the old host's include)
}

// Plan is the records a destination profile needs and the edits that get
// there from the live DNS.
type Plan struct {
	Domain  string   `json:"domain"`
	Profile string   `json:"profile"`
	Changes []Change `json:"changes"`
	// MergedSPF is the SPF record with the new host's include added to the
	// live one; MergedSPFLookups is its DNS lookup count, re-checked.
	MergedSPF        string   `json:"merged_spf,omitempty"`
	MergedSPFLookups int      `json:"merged_spf_lookups,omitempty"`
	Notes            []string `json:"notes,omitempty"` // problems met while reading live DNS
}

// Expected computes the records req.Profile (or req.ExpectMX) needs and
// diffs them against the domain's authoritative DNS.
func (c *Checker) Expected(ctx context.Context, req Request) (Plan, error) {
	rn, err := c.newRun(req)
	if err != nil {
		return Plan{}, err
	}
	if err := rn.probe(ctx); err != nil {
		return Plan{}, fmt.Errorf("read live DNS of %s: %w", rn.domain, err)
	}
	return rn.expected(ctx), nil
}

// expected reads the live records and diffs them against the profile's.
func (rn *run) expected(ctx context.Context) Plan {
	p := Plan{Domain: rn.domain, Profile: rn.profile.Name}
	note := func(what string, l lookup) bool {
		if l.Err != nil {
			p.Notes = append(p.Notes, "could not read "+what+": "+l.Err.Error())
			return false
		}
		return true
	}
	// MX: the expected targets replace every other MX.
	if ml := rn.r.lookup(ctx, rn.domain, dns.TypeMX); note("the MX records", ml) && len(rn.req.ExpectMX) > 0 {
		live := mxTargets(ml.Records)
		var adds, removes []Change
		for i, e := range rn.req.ExpectMX {
			if !mxHas(live, e) {
				adds = append(adds, Change{Op: "add", Name: rn.domain, Type: "MX", New: fmt.Sprintf("%d %s", i*10, e), TTL: 3600, Why: "mail goes to the new host"})
			}
		}
		for _, mx := range live {
			if !containsHost(rn.req.ExpectMX, mx.Mx) {
				removes = append(removes, Change{Op: "remove", Name: rn.domain, Type: "MX", Old: rrValue(mx), Why: "mail must stop going to the old host"})
			}
		}
		for len(adds) > 0 && len(removes) > 0 {
			adds[0].Op, adds[0].Old = "change", removes[0].Old
			p.Changes = append(p.Changes, adds[0])
			adds, removes = adds[1:], removes[1:]
		}
		p.Changes = append(append(p.Changes, adds...), removes...)
	}
	// SPF: one record with the new include.
	if inc := rn.spfInclude(); inc != "" {
		if tl := rn.r.lookup(ctx, rn.domain, dns.TypeTXT); note("the SPF record", tl) {
			var live []string
			for _, s := range txtStrings(tl.Records) {
				if IsSPF(s) {
					live = append(live, s)
				}
			}
			rec := SPFRecord{}
			if len(live) == 1 {
				if r, err := ParseSPF(live[0]); err == nil {
					rec = r
				} else {
					p.Notes = append(p.Notes, "the live SPF record is invalid ("+err.Error()+"); the new one replaces it")
				}
			}
			merged := MergeSPF(rec, inc)
			p.MergedSPF = merged.String()
			var t spfTally
			rn.countSPF(ctx, merged, rn.domain, &t, 0)
			p.MergedSPFLookups = t.Lookups
			switch {
			case len(live) == 0:
				p.Changes = append(p.Changes, Change{Op: "add", Name: rn.domain, Type: "TXT", New: p.MergedSPF, TTL: 3600, Why: "SPF lets receivers accept the new host's mail"})
			case len(live) > 1 || merged.String() != rec.String():
				p.Changes = append(p.Changes, Change{Op: "change", Name: rn.domain, Type: "TXT", Old: strings.Join(live, " | "), New: p.MergedSPF, TTL: 3600, Why: "SPF must include the new host (keep the old host's include until it sends no more mail)"})
			}
			if t.Lookups > spfMaxLookups {
				p.Notes = append(p.Notes, fmt.Sprintf("the merged SPF record needs %d DNS lookups (limit %d): remove includes of services no longer used", t.Lookups, spfMaxLookups))
			}
		}
	}
	// Autodiscover: a CNAME to the host's service.
	if want := rn.profile.AutodiscoverTarget; want != "" {
		name := "autodiscover." + rn.domain
		if cl := rn.r.lookup(ctx, name, dns.TypeCNAME); note("the Autodiscover record", cl) {
			al := rn.r.lookup(ctx, name, dns.TypeA)
			switch {
			case len(cl.Records) > 0 && sameHost(cl.Records[0].(*dns.CNAME).Target, want):
			case len(cl.Records) > 0:
				p.Changes = append(p.Changes, Change{Op: "change", Name: name, Type: "CNAME", Old: rrValue(cl.Records[0]), New: want + ".", TTL: 3600, Why: "Outlook finds the new host"})
			case len(al.Records) > 0:
				p.Changes = append(p.Changes, Change{Op: "remove", Name: name, Type: "A", Old: rrValue(al.Records[0]), Why: "replaced by the CNAME below"},
					Change{Op: "add", Name: name, Type: "CNAME", New: want + ".", TTL: 3600, Why: "Outlook finds the new host"})
			default:
				p.Changes = append(p.Changes, Change{Op: "add", Name: name, Type: "CNAME", New: want + ".", TTL: 3600, Why: "Outlook finds the new host"})
			}
		}
	}
	// DKIM: CNAMEs to the host's keys.
	for _, sel := range rn.profile.DKIMSelectors {
		name := sel + "._domainkey." + rn.domain
		want := rn.profile.DKIMTarget(rn.domain, sel, rn.req.Tenant)
		if cl := rn.r.lookup(ctx, name, dns.TypeCNAME); note("DKIM "+sel, cl) {
			switch {
			case len(cl.Records) > 0 && sameHost(cl.Records[0].(*dns.CNAME).Target, want):
			case len(cl.Records) > 0:
				p.Changes = append(p.Changes, Change{Op: "change", Name: name, Type: "CNAME", Old: rrValue(cl.Records[0]), New: want + ".", TTL: 3600, Why: "the new host signs mail with DKIM"})
			default:
				p.Changes = append(p.Changes, Change{Op: "add", Name: name, Type: "CNAME", New: want + ".", TTL: 3600, Why: "the new host signs mail with DKIM"})
			}
		}
	}
	return p
}

func mxHas(live []*dns.MX, host string) bool {
	for _, mx := range live {
		if sameHost(mx.Mx, host) {
			return true
		}
	}
	return false
}

// checkExpected summarises the plan as a finding.
func (rn *run) checkExpected(ctx context.Context, z *zoneInfo) []Finding {
	if rn.profile.Name == "" && len(rn.req.ExpectMX) == 0 {
		return nil
	}
	p := rn.expected(ctx)
	rn.plan = &p
	var ev []Evidence
	counts := map[string]int{}
	for _, c := range p.Changes {
		counts[c.Op]++
		note := c.Op
		if c.Old != "" {
			note += " (now: " + c.Old + ")"
		}
		ev = append(ev, Evidence{Name: c.Name, Type: c.Type, TTL: c.TTL, Value: c.New, Note: note})
	}
	var out []Finding
	if p.MergedSPFLookups > spfMaxLookups {
		out = append(out, Finding{Check: "expected.spf", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("With the new host's include, the SPF record would need %d DNS lookups (limit %d).", p.MergedSPFLookups, spfMaxLookups),
			Evidence: []Evidence{{Value: p.MergedSPF}}, Action: "Remove includes of services you no longer use before adding the new host's include."})
	}
	if len(p.Changes) == 0 {
		return append(out, Finding{Check: "expected", Severity: SeverityOK, Summary: "DNS already has every record the new host needs."})
	}
	sev := SeverityInfo
	if rn.cutoverPassed() {
		sev = SeverityWarning
	}
	return append(out, Finding{Check: "expected", Severity: sev,
		Summary:  fmt.Sprintf("%d DNS changes are needed for the new host: %d to add, %d to change, %d to remove.", len(p.Changes), counts["add"], counts["change"], counts["remove"]),
		Evidence: ev,
		Action:   fmt.Sprintf("Make these changes at the DNS host on the cutover day, the MX last. `mailshift dns records %s --profile %s` prints them.", rn.domain, firstNonEmpty(rn.profile.Name, "generic"))})
}
