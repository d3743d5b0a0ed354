package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"mailshift/app"
	"mailshift/domain"
)

const dnsUsage = `usage: mailshift dns check DOMAIN [--profile m365|generic] [--expect-mx HOST] [--cutover WHEN] [--project P]
       mailshift dns watch DOMAIN [--profile m365] [--expect-mx HOST] [--every 30s] [--times 20] [--project P]
       mailshift dns records DOMAIN --profile m365 [--tenant NAME]
       mailshift dns discover ADDRESS          (the old host's IMAP settings)
DOMAIN may be left out with --project (the project's domain is used).
The demo domain demo-company.test is answered by a DNS fixture inside
Mailshift on 127.0.0.1 (the .test name cannot exist on the internet).`

func dnsCommand() Command {
	return Command{
		Name:    "dns",
		Summary: "check the domain for the cutover: DNS records, registrar status, MX propagation, IMAP settings (check|watch|records|discover)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			verb, rest := splitPositional(args)
			switch verb {
			case "check":
				return dnsCheck(ctx, env, rest)
			case "watch":
				return dnsWatch(ctx, env, rest)
			case "records":
				return dnsRecords(ctx, env, rest)
			case "discover":
				return dnsDiscover(ctx, env, rest)
			}
			fmt.Fprintln(env.Stderr, dnsUsage)
			if verb == "" {
				if len(rest) > 0 && (rest[0] == "--help" || rest[0] == "-h") {
					return errHelpShown
				}
				return usageError("say check, watch, records or discover")
			}
			return usageError("unknown verb %q", verb)
		},
	}
}

// dnsFlags are the options every dns verb shares.
type dnsFlags struct {
	profile, project, resolvers, roots, tenant string
	expectMX                                   multiFlag
	timeout                                    time.Duration
}

func (f *dnsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.profile, "profile", "", "the new host: m365 (Microsoft 365) or generic")
	fs.StringVar(&f.project, "project", "", "use (and keep the results in) this project")
	fs.Var(&f.expectMX, "expect-mx", "the new host's MX target (repeat for several); default: from --profile")
	fs.StringVar(&f.tenant, "tenant", "", "Microsoft 365 tenant name (contoso in contoso.onmicrosoft.com), for the DKIM records")
	fs.StringVar(&f.resolvers, "resolvers", "", "public resolvers to ask, comma-separated host[:port] (default: Cloudflare, Google, Quad9, OpenDNS)")
	fs.StringVar(&f.roots, "roots", "", "root servers to start from, comma-separated host[:port] (a private DNS root; default: the IANA roots)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Second, "how long to wait for each DNS or web answer")
}

// config is the DNS configuration the flags ask for.
func (f *dnsFlags) config() domain.Config {
	cfg := domain.Config{Timeout: f.timeout}
	for _, r := range splitList(f.resolvers) {
		cfg.Resolvers = append(cfg.Resolvers, domain.Resolver{Name: r, Addr: withPort(r)})
	}
	for _, r := range splitList(f.roots) {
		cfg.Roots = append(cfg.Roots, withPort(r))
	}
	return cfg
}

// dnsTarget parses a dns verb's flags and finds the domain and the checker:
// the project's (through app, which keeps results) or one for the domain
// given; the demo domain always gets its loopback fixture.
type dnsTarget struct {
	req     domain.Request
	checker *domain.Checker
	app     *app.App // nil without --project
	project string
	close   func()
}

func newDNSTarget(ctx context.Context, env *Env, f *dnsFlags, positional []string) (*dnsTarget, error) {
	t := &dnsTarget{close: func() {}, project: f.project}
	name := ""
	if len(positional) > 1 {
		return nil, usageError("give one domain (got %s)", strings.Join(positional, " "))
	}
	if len(positional) == 1 {
		name = positional[0]
	}
	if f.project != "" {
		a, err := openApp(ctx, env)
		if err != nil {
			return nil, err
		}
		p, err := a.Project(ctx, f.project)
		if err != nil {
			a.Close()
			return nil, err
		}
		if name != "" && !strings.EqualFold(strings.TrimSuffix(name, "."), p.Domain) {
			a.Close()
			return nil, usageError("project %s is for %s, not %s: leave the domain out or give the other project", f.project, p.Domain, name)
		}
		name = p.Domain
		a.DomainBase = f.config()
		t.app, t.close = a, func() { a.Close() }
		if f.profile == "" {
			f.profile = p.Profile
		}
		t.req.Cutover = p.CutoverAt
	}
	if name == "" {
		return nil, usageError("give the domain, e.g. mailshift dns check example.com")
	}
	if _, err := domain.NormalizeDomain(name); err != nil {
		t.close()
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	cfg := f.config()
	if strings.EqualFold(strings.TrimSuffix(name, "."), domain.DemoDomain) {
		demoCfg, stop, err := domain.StartDemo(ctx)
		if err != nil {
			t.close()
			return nil, fmt.Errorf("start the demo domain's DNS: %w", err)
		}
		prev := t.close
		t.close = func() { stop(); prev() }
		cfg = demoCfg
		fmt.Fprintln(env.Stderr, "demo domain: answered by Mailshift's DNS fixture on 127.0.0.1")
	}
	if f.profile == "gmail" {
		f.profile = "generic"
	}
	t.checker = domain.NewChecker(cfg)
	t.req.Domain, t.req.Profile, t.req.ExpectMX, t.req.Tenant = name, f.profile, f.expectMX, f.tenant
	return t, nil
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func withPort(hostport string) string {
	if strings.HasPrefix(hostport, "[") || strings.Count(hostport, ":") == 1 {
		return hostport
	}
	if strings.Count(hostport, ":") > 1 { // a bare IPv6 address
		return "[" + hostport + "]:53"
	}
	return hostport + ":53"
}

// parseDNSArgs splits DOMAIN from the flags wherever it stands.
func parseDNSArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
