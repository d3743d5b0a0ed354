package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"mailshift/app"
	"mailshift/domain"
)

func dnsCheck(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "dns check", "dns check DOMAIN [flags]\n"+
		"Checks everything the cutover depends on: name servers, MX, SPF, DMARC, DKIM,\n"+
		"Autodiscover, TTLs, MX propagation and the registrar's status. Findings are\n"+
		"listed blockers first, each with what to do. Exit status 1 when there is a\n"+
		"blocker (the cutover must wait) or a check could not run (offline: it says\n"+
		"\"not run\" and never passes; run it again later), 0 otherwise.")
	var f dnsFlags
	f.register(fs)
	cutover := fs.String("cutover", "", "planned MX change, e.g. 2026-12-05T18:00 (default: the project's)")
	provider := fs.String("dns-provider", "", "where you will edit DNS (e.g. cloudflare.com): warns when the name servers are elsewhere")
	var selectors, ips multiFlag
	fs.Var(&selectors, "dkim-selector", "a DKIM selector to look up (repeat)")
	fs.Var(&ips, "outbound-ip", "a sending IP whose reverse DNS to check (repeat)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parseDNSArgs(fs, args)
	if err != nil {
		return err
	}
	t, err := newDNSTarget(ctx, env, &f, pos)
	if err != nil {
		return err
	}
	defer t.close()
	if *cutover != "" {
		if t.req.Cutover, err = app.ParseWhen(*cutover); err != nil {
			return fmt.Errorf("%w: --cutover: %v", ErrUsage, err)
		}
	}
	t.req.DNSProvider, t.req.DKIMSelectors, t.req.OutboundIPs = *provider, selectors, ips
	var rep domain.Report
	if t.app != nil && *cutover == "" && *provider == "" && len(selectors) == 0 && len(ips) == 0 && len(f.expectMX) == 0 {
		rep, err = t.app.CheckDomain(ctx, t.project) // kept in the project for the report
	} else {
		rep, err = t.checker.Check(ctx, t.req)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(env.Stdout, rep)
	}
	if rep.Count(domain.SeverityBlocker) > 0 || rep.Count(domain.SeverityNotRun) > 0 {
		return ErrExitStatus
	}
	return nil
}

// printReport lists findings grouped by severity, blockers first.
func printReport(w io.Writer, rep domain.Report) {
	fmt.Fprintf(w, "Domain %s, checked %s\n", rep.Domain, rep.At.Local().Format("2 Jan 2006 15:04"))
	fmt.Fprintf(w, "%d blocker(s), %d warning(s), %d not run, %d fine\n", rep.Count(domain.SeverityBlocker),
		rep.Count(domain.SeverityWarning), rep.Count(domain.SeverityNotRun), rep.Count(domain.SeverityOK)+rep.Count(domain.SeverityInfo))
	last := domain.Severity("")
	for _, f := range rep.Findings {
		if f.Severity != last {
			fmt.Fprintf(w, "\n%s\n", strings.ToUpper(f.Severity.Label()))
			last = f.Severity
		}
		fmt.Fprintf(w, "  [%s] %s\n", f.Check, f.Summary)
		if f.Action != "" {
			fmt.Fprintf(w, "      what to do: %s\n", f.Action)
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "      · %s\n", e)
		}
	}
}

func dnsRecords(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "dns records", "dns records DOMAIN --profile m365 [--tenant NAME]\n"+
		"Prints the DNS records the new host needs and what to add, change or remove\n"+
		"at the DNS host, compared with the domain's live DNS.")
	var f dnsFlags
	f.register(fs)
	pos, err := parseDNSArgs(fs, args)
	if err != nil {
		return err
	}
	t, err := newDNSTarget(ctx, env, &f, pos)
	if err != nil {
		return err
	}
	defer t.close()
	if t.req.Profile == "" && len(t.req.ExpectMX) == 0 {
		return usageError("say which new host: --profile m365 (or --expect-mx HOST)")
	}
	plan, err := t.checker.Expected(ctx, t.req)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Records for %s on %s:\n\n", plan.Domain, firstNonEmpty(plan.Profile, "the new host"))
	if len(plan.Changes) == 0 {
		fmt.Fprintln(env.Stdout, "Nothing to change: the live DNS already has every record.")
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DO\tNAME\tTYPE\tVALUE\tTTL\tWHEN\tWHY")
	for _, c := range plan.Changes {
		val := c.New
		if c.Op == "remove" {
			val = c.Old
		} else if c.Op == "change" {
			val = c.New + "  (now: " + c.Old + ")"
		}
		when := "cutover day"
		if c.Later {
			when = "after the cutover"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.Op, c.Name, c.Type, val, c.TTL, when, c.Why)
	}
	tw.Flush()
	if plan.MergedSPF != "" {
		fmt.Fprintf(env.Stdout, "\nSPF record to publish: %s\n(%d DNS lookups of the 10 allowed)\n", plan.MergedSPF, plan.MergedSPFLookups)
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(env.Stdout, "note: %s\n", n)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func dnsWatch(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "dns watch", "dns watch DOMAIN [flags]\n"+
		"Asks the public resolvers and every name server for the MX until all of them\n"+
		"see the new one (at most --times rounds). Exit status 0 when they all do, 1\n"+
		"when some still had the old MX at the end.")
	var f dnsFlags
	f.register(fs)
	every := fs.Duration("every", 30*time.Second, "time between rounds")
	times := fs.Int("times", 20, "at most this many rounds (1-1000)")
	pos, err := parseDNSArgs(fs, args)
	if err != nil {
		return err
	}
	if *times < 1 || *times > 1000 || *every < time.Second {
		return usageError("--times must be 1-1000 and --every at least 1s")
	}
	t, err := newDNSTarget(ctx, env, &f, pos)
	if err != nil {
		return err
	}
	defer t.close()
	if len(t.req.ExpectMX) == 0 {
		prof, err := domain.ProfileByName(t.req.Profile)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		t.req.ExpectMX = prof.MX(t.req.Domain)
	}
	var hist []domain.Propagation
	for i := 0; i < *times; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(*every):
			}
		}
		var p domain.Propagation
		if t.app != nil {
			p, err = t.app.CheckPropagation(ctx, t.project)
		} else {
			p, err = t.checker.Propagation(ctx, domain.PropagationQuery{Domain: t.req.Domain, Type: "MX", Expect: t.req.ExpectMX})
		}
		if err != nil {
			return err
		}
		hist = append(hist, p)
		printRound(env.Stdout, p, i == 0)
		if p.Complete() {
			break
		}
	}
	last := hist[len(hist)-1]
	if gone, ok := domain.OldAnswerGoneBy(hist); ok {
		fmt.Fprintf(env.Stdout, "The old MX has expired from every cache by %s.\n", gone.Local().Format("2 Jan 15:04"))
	}
	if !last.Complete() {
		fmt.Fprintln(env.Stdout, "Not every server sees the new MX yet: keep the old host receiving mail and run the watch again.")
		return ErrExitStatus
	}
	fmt.Fprintln(env.Stdout, "Every server sees the new MX.")
	return nil
}

// printRound prints one propagation round; the first in full.
func printRound(w io.Writer, p domain.Propagation, full bool) {
	fmt.Fprintf(w, "%s  %s\n", p.At.Local().Format("15:04:05"), p.Summary())
	if !full {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, o := range p.Observations {
		state := "old"
		switch {
		case o.Error != "":
			state = "no answer: " + o.Error
		case o.New:
			state = "new"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\tTTL %d\t%s\n", o.Kind, o.Server, strings.Join(o.Values, ", "), o.TTL, state)
	}
	tw.Flush()
}
