package domain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/openrdap/rdap"
	"github.com/openrdap/rdap/bootstrap"
	"golang.org/x/net/publicsuffix"
)

// maxRDAPBody bounds what an RDAP or bootstrap server may send.
const maxRDAPBody = 4 << 20

// Registration is a domain's registry record as RDAP gives it.
type Registration struct {
	Domain      string      `json:"domain"`
	Registrar   string      `json:"registrar,omitempty"`
	Status      []string    `json:"status,omitempty"` // as the registry writes them ("client transfer prohibited")
	Expires     time.Time   `json:"expires,omitzero"`
	Events      []RDAPEvent `json:"events,omitempty"`
	Nameservers []string    `json:"nameservers,omitempty"`
	Source      string      `json:"source,omitempty"` // the RDAP URL asked
}

// RDAPEvent is one dated event of the registration ("transfer", "expiration", …).
type RDAPEvent struct {
	Action string    `json:"action"`
	Date   time.Time `json:"date"`
}

// ErrNoRDAP means the registry of the domain's TLD offers no RDAP service.
var ErrNoRDAP = errors.New("the registry offers no RDAP service for this domain")

// ErrNotRegistered means the RDAP server has no record of the domain (404).
var ErrNotRegistered = errors.New("the registry has no record of this domain")

// Registration looks the registrable part of domain up through RDAP,
// bootstrapped from Config.RDAPBootstrap.
func (c *Checker) Registration(ctx context.Context, domain string) (Registration, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return Registration{}, err
	}
	if reg, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		d = reg
	}
	base, err := url.Parse(c.cfg.RDAPBootstrap)
	if err != nil {
		return Registration{}, &InputError{What: "RDAP bootstrap URL", Value: c.cfg.RDAPBootstrap, Why: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*c.cfg.Timeout)
	defer cancel()
	hc := *c.cfg.HTTPClient
	hc.Transport = limitedTransport{base: hc.Transport}
	client := &rdap.Client{HTTP: &hc, Bootstrap: &bootstrap.Client{HTTP: &hc, BaseURL: base}, UserAgent: "Mailshift"}
	resp, err := client.Do(rdap.NewDomainRequest(d).WithContext(ctx))
	var ce *rdap.ClientError
	switch {
	case errors.As(err, &ce) && (ce.Type == rdap.BootstrapNoMatch || ce.Type == rdap.BootstrapNotSupported):
		return Registration{Domain: d}, ErrNoRDAP
	case errors.As(err, &ce) && ce.Type == rdap.ObjectDoesNotExist:
		return Registration{Domain: d}, ErrNotRegistered
	case errors.As(err, &ce) && ce.Type == rdap.NoWorkingServers && !anyHTTPReply(resp):
		return Registration{Domain: d}, fmt.Errorf("RDAP lookup of %s: %w: %v", d, errUnreachable, err)
	case err != nil:
		return Registration{Domain: d}, fmt.Errorf("RDAP lookup of %s: %w", d, err)
	}
	dom, ok := resp.Object.(*rdap.Domain)
	if !ok {
		return Registration{Domain: d}, fmt.Errorf("RDAP lookup of %s: the server returned a %T, not a domain", d, resp.Object)
	}
	r := registrationOf(dom)
	if r.Domain == "" {
		r.Domain = d
	}
	if n := len(resp.HTTP); n > 0 {
		r.Source = resp.HTTP[n-1].URL
	}
	return r, nil
}

// ParseRegistration decodes an RDAP domain object (JSON).
func ParseRegistration(body []byte) (Registration, error) {
	obj, err := rdap.NewDecoder(body).Decode()
	if err != nil {
		return Registration{}, fmt.Errorf("decode RDAP: %w", err)
	}
	dom, ok := obj.(*rdap.Domain)
	if !ok {
		return Registration{}, fmt.Errorf("decode RDAP: a %T, not a domain", obj)
	}
	return registrationOf(dom), nil
}

func registrationOf(d *rdap.Domain) Registration {
	r := Registration{Domain: bare(d.LDHName), Status: d.Status}
	for _, e := range d.Entities {
		if hasRole(e.Roles, "registrant") {
			// RDAP has no "registrant change" event: a registrant contact
			// last changed is the nearest sign of an owner change.
			for _, ev := range e.Events {
				if t, err := time.Parse(time.RFC3339, strings.TrimSpace(ev.Date)); err == nil && strings.EqualFold(ev.Action, "last changed") {
					r.Events = append(r.Events, RDAPEvent{Action: "registrant change", Date: t})
				}
			}
		}
		if hasRole(e.Roles, "registrar") {
			if e.VCard != nil && e.VCard.Name() != "" {
				r.Registrar = e.VCard.Name()
			} else {
				r.Registrar = e.Handle
			}
		}
	}
	for _, e := range d.Events {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(e.Date))
		if err != nil {
			continue
		}
		r.Events = append(r.Events, RDAPEvent{Action: strings.ToLower(e.Action), Date: t})
		if strings.EqualFold(e.Action, "expiration") {
			r.Expires = t
		}
	}
	for _, ns := range d.Nameservers {
		if ns.LDHName != "" {
			r.Nameservers = append(r.Nameservers, bare(ns.LDHName))
		}
	}
	sort.Strings(r.Nameservers)
	return r
}

// anyHTTPReply reports whether some RDAP server replied at all.
func anyHTTPReply(resp *rdap.Response) bool {
	if resp == nil {
		return false
	}
	for _, h := range resp.HTTP {
		if h.Response != nil {
			return true
		}
	}
	return false
}

func hasRole(roles []string, role string) bool {
	for _, r := range roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}

// limitedTransport caps every response body at maxRDAPBody.
type limitedTransport struct{ base http.RoundTripper }

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(resp.Body, maxRDAPBody), resp.Body}
	}
	return resp, err
}
