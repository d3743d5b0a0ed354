package domain

import (
	"fmt"
	"strings"
)

// Profile is a destination mail host's DNS requirements.
type Profile struct {
	Name  string // "m365", "generic" or "" (no destination chosen)
	Title string // shown to people
	// SPFInclude is the include: the host's outbound mail needs ("" when unknown).
	SPFInclude string
	// AutodiscoverTarget is where autodiscover.<domain> must point ("" when none).
	AutodiscoverTarget string
	// DKIMSelectors are the selectors the host signs with.
	DKIMSelectors []string
}

// Profiles lists the known destination profiles.
var Profiles = []Profile{
	{Name: "m365", Title: "Microsoft 365 (Exchange Online)", SPFInclude: "spf.protection.outlook.com",
		AutodiscoverTarget: "autodiscover.outlook.com", DKIMSelectors: []string{"selector1", "selector2"}},
	{Name: "generic", Title: "another IMAP host"},
}

// ProfileByName returns the profile called name; "" is the empty profile.
func ProfileByName(name string) (Profile, error) {
	if name == "" {
		return Profile{}, nil
	}
	for _, p := range Profiles {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
	}
	return Profile{}, &InputError{What: "profile", Value: name, Why: "use m365 or generic"}
}

// MX returns the MX targets the profile prescribes for domain (nil when
// the profile has none: the new host says which).
func (p Profile) MX(domain string) []string {
	if p.Name == "m365" {
		return []string{strings.ReplaceAll(bare(domain), ".", "-") + ".mail.protection.outlook.com"}
	}
	return nil
}

// DKIMTarget is the CNAME target for a selector (m365: selector1-<domain
// with dashes>._domainkey.<tenant>.onmicrosoft.com); "" when the profile
// publishes DKIM keys as TXT records instead.
func (p Profile) DKIMTarget(domain, selector, tenant string) string {
	if p.Name != "m365" {
		return ""
	}
	if tenant == "" {
		tenant = "<tenant>"
	}
	return fmt.Sprintf("%s-%s._domainkey.%s.onmicrosoft.com", selector, strings.ReplaceAll(bare(domain), ".", "-"), tenant)
}
