package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	gosync "sync"
	"time"

	"mailshift/domain"
	"mailshift/store"
	"mailshift/sync"
)

// DiscoveredServer is a suggested old host, tested without a login.
type DiscoveredServer struct {
	domain.ServerCandidate
	URL       string            // as the new-project form and `project new` take it
	Reach     sync.Reachability // when reachable
	Reachable bool
	Problem   string // when not: what happened and what to do, in plain words
}

// reachTimeout bounds each candidate's probe: discovery runs while a person
// waits at a form.
const reachTimeout = 5 * time.Second

// DiscoverServers finds the old host's IMAP settings from an e-mail
// address or domain (SRV records, the autoconfig file, MX-based guesses)
// and probes every candidate at once, without logging in: a candidate with
// an untrusted certificate is reported with its fingerprint to compare and
// pin. Findings say what each discovery method found (offline: not run).
// The error is only for input that is not an address or domain.
func (a *App) DiscoverServers(ctx context.Context, address string) ([]DiscoveredServer, []domain.Finding, error) {
	d := strings.TrimSpace(address)
	if i := strings.LastIndexByte(d, '@'); i >= 0 {
		d = d[i+1:]
	}
	name, err := domain.NormalizeDomain(d)
	if err != nil {
		return nil, nil, fmt.Errorf("%q is not an e-mail address or domain: %v", address, err)
	}
	c, err := a.CheckerForDomain(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	cands, findings, err := c.DiscoverIMAP(ctx, address)
	if err != nil {
		return nil, findings, err
	}
	out := make([]DiscoveredServer, len(cands))
	var wg gosync.WaitGroup
	for i, cand := range cands {
		out[i] = DiscoveredServer{ServerCandidate: cand, URL: candidateURL(cand)}
		wg.Add(1)
		go func(ds *DiscoveredServer) {
			defer wg.Done()
			ds.probe(ctx, name == domain.DemoDomain)
		}(&out[i])
	}
	wg.Wait()
	return out, findings, nil
}

func candidateURL(c domain.ServerCandidate) string {
	scheme := map[string]string{"tls": "imaps", "starttls": "imap+starttls", "plain": "imap"}[c.Security]
	return fmt.Sprintf("%s://%s:%d", scheme, c.Host, c.Port)
}

// errDemoHost is the demo's answer for its fictional old host: its name
// exists only in the demo's own DNS, so no connection is attempted.
var errDemoHost = errors.New("the demo's old host exists only in the demo's DNS (the demo project already uses its in-process server)")

func (ds *DiscoveredServer) probe(ctx context.Context, demo bool) {
	sec := map[string]store.Security{"tls": store.SecurityTLS, "starttls": store.SecuritySTARTTLS}[ds.Security]
	if sec == "" {
		sec = store.SecurityPlain
	}
	ep := sync.Endpoint{Server: store.Server{Host: ds.Host, Port: ds.Port, Security: sec}, DialTimeout: reachTimeout, CommandTimeout: reachTimeout}
	if demo {
		ep.Dial = func(context.Context, string, string) (net.Conn, error) { return nil, errDemoHost }
	}
	r, err := sync.Reach(ctx, ep)
	ds.Reach = r
	if err != nil {
		ds.Problem = sentenceCase(err.Error()) + "."
		return
	}
	ds.Reachable = true
	if r.Plaintext {
		ds.Problem = "Reachable, but without encryption: a login here would send the password in the clear. Prefer an encrypted candidate."
	}
}

func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
