package domain

import (
	"fmt"
	"strings"
)

// checkDomainSpec accepts a domain name that may contain SPF macros.
func checkDomainSpec(d string) error {
	if d == "" {
		return fmt.Errorf("empty domain")
	}
	plain, err := stripMacros(d)
	if err != nil {
		return err
	}
	if plain != d {
		return nil // macro-expanded names are checked when used
	}
	name := strings.TrimSuffix(d, ".")
	labels := strings.Split(strings.ToLower(name), ".")
	if len(labels) < 2 || len(name) > 253 {
		return fmt.Errorf("%q is not a domain name", d)
	}
	for _, l := range labels {
		if !validLabel(l) {
			return fmt.Errorf("%q is not a domain name", d)
		}
	}
	return nil
}

// stripMacros removes %{…}, %%, %_ and %- from d, failing on bad macros.
func stripMacros(d string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < 0x21 || c > 0x7e {
			return "", fmt.Errorf("invalid character in %q", d)
		}
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(d) {
			return "", fmt.Errorf("lone %% in %q", d)
		}
		switch d[i+1] {
		case '%', '_', '-':
			i++
		case '{':
			end := strings.IndexByte(d[i:], '}')
			if end < 3 || !strings.ContainsRune("slodiphcrtvSLODIPHCRTV", rune(d[i+2])) {
				return "", fmt.Errorf("bad macro in %q", d)
			}
			i += end
		default:
			return "", fmt.Errorf("bad macro in %q", d)
		}
	}
	return b.String(), nil
}

// hasMacro reports whether a domain-spec uses macros (cannot be followed without a sender).
func hasMacro(d string) bool { return strings.Contains(d, "%") }
