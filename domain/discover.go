package domain

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"
)

// ServerCandidate is a possible IMAP server for the old host. Candidates
// are suggestions: the app tests them (connect, log in) before use.
type ServerCandidate struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"`           // "tls" (implicit, port 993), "starttls" or "plain"
	Source   string `json:"source"`             // "SRV _imaps._tcp", "autoconfig", "MX guess", "name guess"
	Username string `json:"username,omitempty"` // autoconfig's template, e.g. "%EMAILADDRESS%"
}

// DiscoverIMAP finds IMAP settings for an e-mail address (or a bare
// domain): RFC 6186 SRV records, the Thunderbird autoconfig file at
// autoconfig.<domain> (Config.AutoconfigBase in tests), then guesses from
// the MX host's provider and common names that resolve. Findings say what
// each method found; the error is only for invalid input.
func (c *Checker) DiscoverIMAP(ctx context.Context, address string) ([]ServerCandidate, []Finding, error) {
	addr := strings.TrimSpace(address)
	d := addr
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		d = addr[i+1:]
	}
	domain, err := NormalizeDomain(d)
	if err != nil {
		return nil, nil, err
	}
	rn := &run{cfg: c.cfg, domain: domain, r: newResolver(c.cfg), now: c.cfg.Now()}
	if err := rn.probe(ctx); err != nil {
		// Offline: nothing can be found, and saying "none found" would mislead.
		return nil, []Finding{notRun("discover", "offline", err)}, nil
	}
	var out []ServerCandidate
	var fs []Finding
	for _, s := range []struct{ name, sec string }{{"_imaps._tcp.", "tls"}, {"_imap._tcp.", "starttls"}} {
		l := rn.r.lookup(ctx, s.name+domain, dns.TypeSRV)
		if l.Err != nil {
			fs = append(fs, failed("discover.srv", "the "+strings.TrimSuffix(s.name, ".")+" SRV record", l))
			continue
		}
		srvs := rrsOf(l.Records, dns.TypeSRV)
		sort.SliceStable(srvs, func(i, j int) bool { return srvs[i].(*dns.SRV).Priority < srvs[j].(*dns.SRV).Priority })
		for _, rr := range srvs {
			v := rr.(*dns.SRV)
			if bare(v.Target) == "" {
				continue // "." means: service not offered
			}
			out = append(out, ServerCandidate{Host: bare(v.Target), Port: int(v.Port), Security: s.sec, Source: "SRV " + strings.TrimSuffix(s.name, ".")})
		}
	}
	ac, err := rn.autoconfig(ctx, addr, domain)
	switch {
	case err != nil && isNetErr(err):
		fs = append(fs, Finding{Check: "discover.autoconfig", Severity: SeverityInfo, Summary: "No autoconfig file could be fetched for " + domain + ".", Evidence: []Evidence{{Note: err.Error()}}})
	case err != nil:
		fs = append(fs, Finding{Check: "discover.autoconfig", Severity: SeverityInfo, Summary: "The autoconfig file for " + domain + " is unusable: " + err.Error() + "."})
	}
	out = append(out, ac...)
	out = append(out, rn.guesses(ctx, domain)...)
	out = dedupe(out)
	sev, sum := SeverityOK, fmt.Sprintf("Found %d possible IMAP servers; each is tested before use.", len(out))
	if len(out) == 0 {
		sev, sum = SeverityWarning, "No IMAP server could be found for "+domain+"."
	}
	f := Finding{Check: "discover", Severity: sev, Summary: sum}
	for _, c := range out {
		f.Evidence = append(f.Evidence, Evidence{Source: c.Source, Note: fmt.Sprintf("%s port %d (%s)", c.Host, c.Port, c.Security)})
	}
	if len(out) == 0 {
		f.Action = "Ask the old host for its IMAP server name and port (usually in its help pages)."
	}
	return out, append([]Finding{f}, fs...), nil
}

// autoconfig fetches and parses the Thunderbird autoconfig file.
func (rn *run) autoconfig(ctx context.Context, addr, domain string) ([]ServerCandidate, error) {
	base := rn.cfg.AutoconfigBase
	if base == "" {
		base = "https://autoconfig." + domain
	}
	u := strings.TrimSuffix(base, "/") + "/mail/config-v1.1.xml?emailaddress=" + url.QueryEscape(addr)
	ctx, cancel := context.WithTimeout(ctx, 2*rn.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := rn.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch autoconfig: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch autoconfig: %s answered %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("fetch autoconfig: %w", err)
	}
	cs, err := ParseAutoconfig(body, domain)
	for i := range cs {
		cs[i].Source = "autoconfig"
	}
	return cs, err
}

type autoconfigXML struct {
	Providers []struct {
		Incoming []struct {
			Type       string `xml:"type,attr"`
			Hostname   string `xml:"hostname"`
			Port       string `xml:"port"`
			SocketType string `xml:"socketType"`
			Username   string `xml:"username"`
		} `xml:"incomingServer"`
	} `xml:"emailProvider"`
}

// ParseAutoconfig reads the IMAP servers of a Thunderbird autoconfig file
// (clientConfig version 1.1), expanding %EMAILDOMAIN% with domain. Servers
// with an invalid host name or port are skipped.
func ParseAutoconfig(body []byte, domain string) ([]ServerCandidate, error) {
	var doc autoconfigXML
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("autoconfig XML: %w", err)
	}
	var out []ServerCandidate
	for _, p := range doc.Providers {
		for _, in := range p.Incoming {
			if !strings.EqualFold(in.Type, "imap") {
				continue
			}
			host := strings.ReplaceAll(strings.TrimSpace(in.Hostname), "%EMAILDOMAIN%", domain)
			h, err := NormalizeDomain(host)
			port, perr := strconv.Atoi(strings.TrimSpace(in.Port))
			if err != nil || perr != nil || port < 1 || port > 65535 {
				continue
			}
			sec := map[string]string{"ssl": "tls", "tls": "tls", "starttls": "starttls", "plain": "plain"}[strings.ToLower(strings.TrimSpace(in.SocketType))]
			if sec == "" {
				sec = "tls"
				if port == 143 {
					sec = "starttls"
				}
			}
			out = append(out, ServerCandidate{Host: h, Port: port, Security: sec, Username: strings.TrimSpace(in.Username)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("autoconfig XML names no IMAP server")
	}
	return out, nil
}

// guesses proposes imap./mail. names at the domain and at the MX host's
// provider, plus the MX host itself, keeping only names that resolve.
func (rn *run) guesses(ctx context.Context, domain string) []ServerCandidate {
	type guess struct{ host, source string }
	var gs []guess
	ml := rn.r.lookup(ctx, domain, dns.TypeMX)
	for _, mx := range mxTargets(ml.Records) {
		h := bare(mx.Mx)
		if h == "" {
			continue
		}
		if reg, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil && reg != domain {
			gs = append(gs, guess{"imap." + reg, "MX guess"}, guess{"mail." + reg, "MX guess"})
		}
		gs = append(gs, guess{h, "MX guess"})
	}
	gs = append(gs, guess{"imap." + domain, "name guess"}, guess{"mail." + domain, "name guess"})
	var out []ServerCandidate
	seen := map[string]bool{}
	for _, g := range gs {
		if seen[g.host] {
			continue
		}
		seen[g.host] = true
		if len(rn.r.addrs(ctx, g.host, 0)) > 0 {
			out = append(out, ServerCandidate{Host: g.host, Port: 993, Security: "tls", Source: g.source})
		}
	}
	return out
}

func dedupe(cs []ServerCandidate) []ServerCandidate {
	seen := map[string]bool{}
	var out []ServerCandidate
	for _, c := range cs {
		k := fmt.Sprintf("%s:%d", c.Host, c.Port)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}
