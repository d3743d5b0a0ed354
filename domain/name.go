package domain

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile converts names as a registry would: IDNA 2008 lookup rules,
// so "bücher.example" becomes "xn--bcher-kva.example".
var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

// NormalizeDomain turns a domain typed by a person (any case, Unicode,
// trailing dot, an e-mail address or a URL pasted by mistake are refused)
// into lower-case ASCII (punycode) without the trailing dot. It refuses
// names with invalid characters, empty labels, labels over 63 octets or
// names over 253 octets, and single-label names.
func NormalizeDomain(s string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", &InputError{What: "domain", Value: in, Why: "it is empty"}
	}
	if strings.ContainsAny(s, "@/: ") {
		return "", &InputError{What: "domain", Value: in, Why: "give only the domain, like example.com (no @, spaces, slashes or ports)"}
	}
	a, err := idnaProfile.ToASCII(s)
	if err != nil || !utf8.ValidString(s) { // idna passes invalid UTF-8 bytes through as if Latin-1
		return "", &InputError{What: "domain", Value: in, Why: "it has characters a domain cannot have"}
	}
	a = strings.ToLower(a)
	if len(a) > 253 {
		return "", &InputError{What: "domain", Value: in, Why: "it is longer than 253 characters"}
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", &InputError{What: "domain", Value: in, Why: "a domain has at least two parts, like example.com"}
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", &InputError{What: "domain", Value: in, Why: "each part must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen"}
		}
	}
	return a, nil
}

// validLabel reports whether l is a LDH label (letters, digits, hyphens;
// no leading or trailing hyphen; 1-63 octets). Underscores are allowed
// because host names such as _dmarc and selector names are checked too.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// fqdn returns name with one trailing dot, lower-case.
func fqdn(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + "."
}

// bare returns name without the trailing dot, lower-case.
func bare(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

// sameHost compares two host names ignoring case and trailing dots.
func sameHost(a, b string) bool { return bare(a) == bare(b) }

// underDomain reports whether host is d or a name below d.
func underDomain(host, d string) bool {
	h, d := bare(host), bare(d)
	return h == d || strings.HasSuffix(h, "."+d)
}
