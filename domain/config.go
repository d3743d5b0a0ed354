package domain

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// Resolver is a recursive DNS service asked during propagation checks.
type Resolver struct {
	Name string // shown to people: "Cloudflare"
	Addr string // host:port, or an IP (port 53)
}

// DefaultResolvers are the well-known public DNS services.
var DefaultResolvers = []Resolver{
	{"Cloudflare", "1.1.1.1:53"},
	{"Google", "8.8.8.8:53"},
	{"Quad9", "9.9.9.9:53"},
	{"OpenDNS", "208.67.222.222:53"},
	{"Cloudflare 2", "1.0.0.1:53"},
	{"Google 2", "8.8.4.4:53"},
	{"Quad9 2", "149.112.112.112:53"},
	{"OpenDNS 2", "208.67.220.220:53"},
}

// DefaultRoots are the IANA root servers a through m (IPv4).
var DefaultRoots = []string{
	"198.41.0.4:53", "170.247.170.2:53", "192.33.4.12:53", "199.7.91.13:53",
	"192.203.230.10:53", "192.5.5.241:53", "192.112.36.4:53", "198.97.190.53:53",
	"192.36.148.17:53", "192.58.128.30:53", "193.0.14.129:53", "199.7.83.42:53",
	"202.12.27.33:53",
}

// DefaultRDAPBootstrap is IANA's RDAP bootstrap service (dns.json lives below it).
const DefaultRDAPBootstrap = "https://data.iana.org/rdap/"

// Config is everything the checks reach the world through. The zero value
// is usable: every empty field takes its default.
type Config struct {
	Roots     []string   // root (or parent) servers iteration starts at, host:port
	Resolvers []Resolver // public resolvers for propagation and DNSSEC validation
	// AddrOverride maps an IP address as found in glue or A records to the
	// host:port actually dialled. Tests and the demo point documentation
	// addresses (192.0.2.x) at loopback ports this way. Unlisted IPs use port 53.
	AddrOverride map[string]string
	Timeout      time.Duration // per DNS query and per HTTP request; default 2s
	Retries      int           // extra UDP tries after a timeout; default 1, -1 for none
	// RDAPBootstrap is the base URL of the IANA bootstrap files (dns.json).
	RDAPBootstrap string
	// AutoconfigBase, when set, replaces "https://autoconfig.<domain>" as
	// the base URL of the Thunderbird autoconfig file.
	AutoconfigBase string
	HTTPClient     *http.Client     // default: a client with Timeout
	Now            func() time.Time // default time.Now
	// After waits between polls of Watch; default time.After.
	After func(time.Duration) <-chan time.Time
}

// withDefaults returns c with every empty field filled in.
func (c Config) withDefaults() Config {
	if len(c.Roots) == 0 {
		c.Roots = DefaultRoots
	}
	if c.Resolvers == nil {
		c.Resolvers = DefaultResolvers
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 1
	} else if c.Retries < 0 {
		c.Retries = 0
	}
	if c.RDAPBootstrap == "" {
		c.RDAPBootstrap = DefaultRDAPBootstrap
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.Timeout * 3}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.After == nil {
		c.After = time.After
	}
	rs := make([]Resolver, len(c.Resolvers))
	for i, r := range c.Resolvers {
		rs[i] = Resolver{Name: r.Name, Addr: withPort(r.Addr)}
	}
	c.Resolvers = rs
	return c
}

// dialAddr returns where to send queries for the name server at ip.
func (c Config) dialAddr(ip string) string {
	if a, ok := c.AddrOverride[ip]; ok {
		return a
	}
	return net.JoinHostPort(ip, "53")
}

// withPort adds ":53" to an address without a port.
func withPort(a string) string {
	if _, _, err := net.SplitHostPort(a); err == nil {
		return a
	}
	return net.JoinHostPort(strings.Trim(a, "[]"), "53")
}

// ParseResolvers parses a comma-separated list of resolvers, each
// "ip", "ip:port" or "name=ip[:port]".
func ParseResolvers(s string) ([]Resolver, error) {
	var out []Resolver
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, addr, ok := strings.Cut(part, "=")
		if !ok {
			addr, name = part, ""
		}
		addr = withPort(addr)
		host, _, err := net.SplitHostPort(addr)
		if err != nil || net.ParseIP(host) == nil {
			return nil, &InputError{What: "resolver", Value: part, Why: "give an IP address, optionally with :port"}
		}
		if name == "" {
			name = host
		}
		out = append(out, Resolver{Name: name, Addr: addr})
	}
	if len(out) == 0 {
		return nil, &InputError{What: "resolver list", Value: s, Why: "no resolver given"}
	}
	return out, nil
}

// InputError is bad input from a person: it says what and why.
type InputError struct {
	What, Value, Why string
}

func (e *InputError) Error() string {
	return "invalid " + e.What + " " + quote(e.Value) + ": " + e.Why
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}
