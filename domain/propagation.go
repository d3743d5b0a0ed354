package domain

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Observation is one server's answer during a propagation check.
type Observation struct {
	Server string   `json:"server"`
	Kind   string   `json:"kind"`             // "resolver" or "authoritative"
	Values []string `json:"values,omitempty"` // record values, sorted (MX: "10 host")
	TTL    uint32   `json:"ttl,omitempty"`    // remaining TTL as this server gave it
	Error  string   `json:"error,omitempty"`  // no usable answer (timeout, SERVFAIL, …)
	// New: the answer is the expected one (for MX: its most preferred targets are all expected).
	New bool `json:"new"`
	// Unexpected: no authoritative server gives this answer (stale cache, filtering or a lying resolver).
	Unexpected bool `json:"unexpected,omitempty"`
	Validated  bool `json:"validated,omitempty"` // the resolver set the AD bit
}

// Propagation is one round of asking every resolver and authoritative server.
type Propagation struct {
	At           time.Time     `json:"at"`
	Name         string        `json:"name"`
	Type         string        `json:"type"`
	Expect       []string      `json:"expect,omitempty"`
	Observations []Observation `json:"observations"`
}

// Counts returns how many servers of kind ("" for all) see the new answer,
// and how many answered at all.
func (p Propagation) Counts(kind string) (seen, answered int) {
	for _, o := range p.Observations {
		if kind != "" && o.Kind != kind || o.Error != "" {
			continue
		}
		answered++
		if o.New {
			seen++
		}
	}
	return seen, answered
}

// Complete reports whether every server answered with the new answer.
func (p Propagation) Complete() bool {
	seen, answered := p.Counts("")
	return len(p.Expect) > 0 && answered == len(p.Observations) && seen == answered
}

// Summary is one line: "3 of 8 resolvers and 2 of 2 name servers see the new MX".
func (p Propagation) Summary() string {
	rs, ra := p.Counts("resolver")
	as, aa := p.Counts("authoritative")
	if len(p.Expect) == 0 {
		return fmt.Sprintf("%d resolvers and %d name servers answered for %s %s", ra, aa, p.Name, p.Type)
	}
	s := fmt.Sprintf("%d of %d resolvers and %d of %d name servers see the new %s", rs, ra, as, aa, p.Type)
	if failed := len(p.Observations) - ra - aa; failed > 0 {
		s += fmt.Sprintf(" (%d did not answer)", failed)
	}
	return s
}

// PropagationQuery says what to ask: Type at Domain ("MX" when empty), and
// the values that count as new (MX: target host names).
type PropagationQuery struct {
	Domain string
	Type   string
	Expect []string
}

// Propagation asks every configured resolver and every authoritative
// server of the domain for q.Type and compares the answers with q.Expect
// and with each other. Unreachable servers are observations with Error.
func (c *Checker) Propagation(ctx context.Context, q PropagationQuery) (Propagation, error) {
	rn, err := c.newRun(Request{Domain: q.Domain})
	if err != nil {
		return Propagation{}, err
	}
	if q.Type == "" {
		q.Type = "MX"
	}
	qtype, ok := dns.StringToType[strings.ToUpper(q.Type)]
	if !ok {
		return Propagation{}, &InputError{What: "record type", Value: q.Type, Why: "use MX, TXT, CNAME, A, …"}
	}
	for i, e := range q.Expect {
		q.Expect[i] = bare(e)
	}
	return rn.propagation(ctx, qtype, q.Expect), nil
}

func (rn *run) propagation(ctx context.Context, qtype uint16, expect []string) Propagation {
	p := Propagation{At: rn.now, Name: rn.domain, Type: dns.TypeToString[qtype], Expect: expect}
	if err := rn.probe(ctx); err != nil {
		// Offline: one timeout, not one per step; every resolver is "not asked".
		for _, s := range rn.resolverServers() {
			p.Observations = append(p.Observations, Observation{Server: s.String(), Kind: "resolver", Error: "not asked: offline"})
		}
		return p
	}
	var auth []server
	if z, _ := rn.zone(ctx); z != nil {
		auth = z.Servers
	}
	x := exchanger{timeout: rn.cfg.Timeout, retries: rn.cfg.Retries}
	var ras, aas []answer
	done := make(chan struct{})
	go func() {
		ras = askAll(ctx, x, rn.resolverServers(), rn.domain, qtype, true)
		close(done)
	}()
	aas = askAll(ctx, x, auth, rn.domain, qtype, false)
	<-done
	authValues := map[string]bool{}
	for _, a := range aas {
		o := observe(a, "authoritative", rn.domain, qtype, expect)
		if o.Error == "" {
			authValues[strings.Join(o.Values, "|")] = true
		}
		p.Observations = append(p.Observations, o)
	}
	for _, a := range ras {
		o := observe(a, "resolver", rn.domain, qtype, expect)
		o.Unexpected = o.Error == "" && len(authValues) > 0 && !authValues[strings.Join(o.Values, "|")] && !o.New
		p.Observations = append(p.Observations, o)
	}
	return p
}

// observe turns one server's answer into an Observation.
func observe(a answer, kind, name string, qtype uint16, expect []string) Observation {
	o := Observation{Server: a.Server.String(), Kind: kind}
	if p := a.problem(); p != "" {
		o.Error = p
		return o
	}
	if kind == "authoritative" && !a.Msg.Authoritative {
		o.Error = "not authoritative (lame)"
		return o
	}
	o.Validated = a.Msg.AuthenticatedData
	var l lookup
	followChain(a.Msg.Answer, fqdn(name), qtype, &l)
	var best uint16 = 65535
	for _, rr := range l.Records {
		o.Values = append(o.Values, rrValue(rr))
		if o.TTL == 0 || rr.Header().Ttl < o.TTL {
			o.TTL = rr.Header().Ttl
		}
		if mx, ok := rr.(*dns.MX); ok {
			best = min(best, mx.Preference)
		}
	}
	sort.Strings(o.Values)
	if len(expect) == 0 || len(l.Records) == 0 {
		return o
	}
	o.New = true
	for _, rr := range l.Records {
		v := rrValue(rr)
		if mx, ok := rr.(*dns.MX); ok {
			if mx.Preference != best {
				continue
			}
			v = mx.Mx
		}
		if !containsHost(expect, v) {
			o.New = false
		}
	}
	return o
}

// checkPropagation compares what resolvers see with the authoritative servers.
func (rn *run) checkPropagation(ctx context.Context, z *zoneInfo) []Finding {
	p := rn.propagation(ctx, dns.TypeMX, rn.req.ExpectMX)
	var ev []Evidence
	var unexpected []string
	answered := 0
	for _, o := range p.Observations {
		e := Evidence{Source: o.Kind + " " + o.Server, Name: p.Name, Type: p.Type, TTL: o.TTL, Value: strings.Join(o.Values, ", ")}
		switch {
		case o.Error != "":
			e.Note = o.Error
		case o.Unexpected:
			e.Note = "no authoritative server gives this answer"
			unexpected = append(unexpected, o.Server)
		case o.New:
			e.Note = "new"
		}
		if o.Error == "" {
			answered++
		}
		ev = append(ev, e)
	}
	if answered == 0 {
		return []Finding{notRun("propagation", "no resolver or name server answered", errOffline)}
	}
	var out []Finding
	if len(unexpected) > 0 && len(p.Expect) == 0 {
		out = append(out, Finding{Check: "propagation", Severity: SeverityWarning,
			Summary:  fmt.Sprintf("%d resolvers give an MX that no name server of the domain gives: %s.", len(unexpected), strings.Join(unexpected, ", ")),
			Evidence: ev, Action: "Usually an old cached answer that expires by itself within its TTL. If it persists beyond the TTL, that resolver filters or rewrites answers; do not rely on it for checks."})
		return out
	}
	if len(p.Expect) == 0 {
		return []Finding{{Check: "propagation", Severity: SeverityOK, Summary: "Every resolver that answered gives the same MX as the domain's name servers.", Evidence: ev}}
	}
	sev := SeverityInfo
	switch as, aa := p.Counts("authoritative"); {
	case p.Complete():
		sev = SeverityOK
	case aa > 0 && as > 0 && as < aa:
		sev = SeverityWarning
		ev = append(ev, Evidence{Note: "the name servers disagree: some still give the old MX"})
	}
	f := Finding{Check: "propagation", Severity: sev, Summary: p.Summary() + ".", Evidence: ev}
	if gone, ok := OldAnswerGoneBy([]Propagation{p}); ok && gone.After(p.At) {
		f.Summary += " Resolvers may keep the old MX until " + gone.Local().Format("Mon 2 Jan 15:04") + " (the longest remaining TTL)."
	}
	if sev != SeverityOK {
		f.Action = "Run `mailshift dns watch` after the MX change to follow it until every resolver has the new MX; keep the old host receiving until then."
	}
	return append(out, f)
}
