package cli

import (
	"context"
	"fmt"
	"strings"

	"mailshift/domain"
)

// dnsDiscover suggests the old host's IMAP settings for an address.
func dnsDiscover(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "dns discover", "dns discover ADDRESS\n"+
		"Finds the old host's IMAP settings for an e-mail address: SRV records\n"+
		"(RFC 6186), the autoconfig file at autoconfig.DOMAIN, and guesses from the\n"+
		"MX. Each is a suggestion: test it with mailshift test-connection before use.")
	var f dnsFlags
	f.register(fs)
	pos, err := parseDNSArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("give one e-mail address (or domain), e.g. mailshift dns discover ann@example.com")
	}
	address := pos[0]
	_, dom, _ := strings.Cut(address, "@")
	if dom == "" {
		dom = address
	}
	t, err := newDNSTarget(ctx, env, &f, []string{dom})
	if err != nil {
		return err
	}
	defer t.close()
	cands, findings, err := t.checker.DiscoverIMAP(ctx, address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if len(cands) == 0 {
		fmt.Fprintln(env.Stdout, "No IMAP server found: ask the old host for its IMAP server name and port.")
	}
	user := address
	if !strings.Contains(user, "@") {
		user = "NAME"
	}
	for i, c := range cands {
		scheme := map[string]string{"tls": "imaps", "starttls": "imap+starttls", "plain": "imap"}[c.Security]
		fmt.Fprintf(env.Stdout, "%d. %s:%d (%s), from %s\n   test it: mailshift test-connection %s://%s:%d --user %s\n",
			i+1, c.Host, c.Port, c.Security, c.Source, scheme, c.Host, c.Port, user)
	}
	for _, f := range findings {
		if f.Check != "discover" && f.Severity != domain.SeverityOK {
			fmt.Fprintf(env.Stdout, "note: %s\n", f.Summary)
		}
	}
	return nil
}
