package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Checker runs the domain checks with one Config. Safe for concurrent use.
type Checker struct {
	cfg Config
}

// NewChecker returns a Checker; empty Config fields take their defaults.
func NewChecker(cfg Config) *Checker { return &Checker{cfg: cfg.withDefaults()} }

// Request says what to check and against which plan.
type Request struct {
	Domain   string   // the email domain; Unicode names are converted to punycode
	Profile  string   // destination profile: "m365", "generic" or "" (none)
	ExpectMX []string // the new host's MX targets; from the profile when empty
	// Cutover is the planned MX change; zero when not planned yet.
	Cutover time.Time
	// DKIMSelectors to look up; the profile adds its own (m365: selector1, selector2).
	DKIMSelectors []string
	// OutboundIPs are the sending IPs whose reverse DNS (PTR) is checked.
	OutboundIPs []string
	// DNSProvider is the name-server domain the admin says they will edit
	// (e.g. "cloudflare.com"); a warning is given when NS is elsewhere.
	DNSProvider string
	// SPFInclude is the new host's SPF include (overrides the profile's).
	SPFInclude string
	// Tenant is the Microsoft 365 tenant name (contoso in contoso.onmicrosoft.com),
	// used for the expected DKIM CNAMEs.
	Tenant string
}

// run is one Check: the request, a fresh resolver and what earlier checks learnt.
type run struct {
	cfg     Config
	req     Request
	domain  string
	profile Profile
	r       *resolver
	now     time.Time
	plan    *Plan // set by checkExpected (one goroutine), read after the checks end
}

// Check runs every check for req.Domain and returns the report, blockers
// first. The error is non-nil only for invalid input (an InputError); DNS
// and network trouble become findings. With no network every finding is
// SeverityNotRun and Check returns within about Timeout×(Retries+1).
func (c *Checker) Check(ctx context.Context, req Request) (Report, error) {
	rn, err := c.newRun(req)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Domain: rn.domain, At: rn.now}
	if err := rn.probe(ctx); err != nil {
		rep.Findings = offlineFindings(err)
		return rep, nil
	}
	z, zf := rn.zone(ctx)
	checks := []func(context.Context, *zoneInfo) []Finding{
		rn.checkNS, rn.checkSOA, rn.checkDNSSEC, rn.checkMX, rn.checkSPF, rn.checkDMARC, rn.checkDKIM,
		rn.checkAutodiscover, rn.checkMTASTS, rn.checkPTR, rn.checkTTL, rn.checkPropagation,
		rn.checkExpected, rn.checkRegistration,
	}
	if z == nil { // the domain's zone cannot be found: only registration says more
		checks = checks[len(checks)-1:]
	}
	results := make([][]Finding, len(checks))
	var wg sync.WaitGroup
	for i, chk := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = chk(ctx, z)
		}()
	}
	wg.Wait()
	rep.Findings = append(rep.Findings, zf...)
	for _, fs := range results {
		rep.Findings = append(rep.Findings, fs...)
	}
	Sort(rep.Findings)
	rep.Plan = rn.plan
	return rep, nil
}

func (c *Checker) newRun(req Request) (*run, error) {
	d, err := NormalizeDomain(req.Domain)
	if err != nil {
		return nil, err
	}
	p, err := ProfileByName(req.Profile)
	if err != nil {
		return nil, err
	}
	for i, h := range req.ExpectMX {
		if req.ExpectMX[i], err = NormalizeDomain(h); err != nil {
			return nil, err
		}
	}
	if len(req.ExpectMX) == 0 && p.Name != "" {
		req.ExpectMX = p.MX(d)
	}
	return &run{cfg: c.cfg, req: req, domain: d, profile: p, r: newResolver(c.cfg), now: c.cfg.Now()}, nil
}

// probe asks the roots and every resolver for the root NS set at once and
// fails only when none of them answers: then we are offline.
func (rn *run) probe(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var srvs []server
	for _, a := range rn.cfg.Roots {
		srvs = append(srvs, server{Name: "root " + a, Addr: a})
	}
	for _, res := range rn.cfg.Resolvers {
		srvs = append(srvs, server{Name: res.Name, Addr: res.Addr})
	}
	x := exchanger{timeout: rn.cfg.Timeout, retries: rn.cfg.Retries}
	okc := make(chan bool, len(srvs))
	for _, s := range srvs {
		go func() {
			a := x.ask(ctx, s, ".", dns.TypeNS, true)
			okc <- a.Err == nil && a.Msg != nil
		}()
	}
	for range srvs {
		if <-okc {
			return nil
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w (asked %d servers)", errOffline, len(srvs))
}

// allChecks names every check Check runs, for the offline report.
var allChecks = []string{"ns", "soa", "dnssec", "mx", "spf", "dmarc", "dkim", "autodiscover", "mta-sts", "ptr", "ttl", "propagation", "expected", "rdap"}

func offlineFindings(err error) []Finding {
	var out []Finding
	for _, c := range allChecks {
		out = append(out, Finding{Check: c, Severity: SeverityNotRun, Summary: "not run: offline",
			Evidence: []Evidence{{Note: err.Error()}},
			Action:   "Connect to the internet and run the checks again."})
	}
	return out
}

// failed turns a lookup that got no usable answer into a finding: not run
// when the servers could not be reached, a warning when they answered badly
// or the zone's own servers stayed silent (the summary says which: "none of
// the name servers of X answered in time", "… replied SERVFAIL").
func failed(check, what string, l lookup) Finding {
	if isNetErr(l.Err) {
		return notRun(check, "could not reach the DNS servers for "+what, l.Err)
	}
	why := "the DNS servers gave no usable answer"
	var na *noAnswerError
	if errors.As(l.Err, &na) {
		why = na.Plain()
	}
	return Finding{Check: check, Severity: SeverityWarning,
		Summary:  "Could not read " + what + ": " + why + ".",
		Evidence: []Evidence{{Note: l.Err.Error()}},
		Action:   "Ask whoever hosts the domain's DNS to check their name servers, then run the checks again."}
}

// txtStrings returns each TXT record's strings joined (as SPF/DMARC read them),
// as the bytes on the wire: miekg/dns keeps TXT text in presentation form
// (a tab arrives as `\009`, a quote as `\"`), which would otherwise reach the
// SPF parser and the evidence as backslash sequences.
func txtStrings(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, unescapeTXT(strings.Join(t.Txt, "")))
		}
	}
	return out
}

// unescapeTXT turns miekg/dns's presentation escapes back into bytes:
// `\DDD` (three decimal digits, at most 255) is that byte, `\X` is X.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); v <= 255 {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// src names the server behind a lookup for evidence.
func src(l lookup) string { return l.Server.String() }
