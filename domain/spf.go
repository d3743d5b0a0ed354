package domain

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SPFTerm is one mechanism or modifier of an SPF record (RFC 7208).
type SPFTerm struct {
	Qualifier byte   // '+', '-', '~' or '?' for mechanisms; 0 for modifiers
	Name      string // lower case: all, include, a, mx, ptr, ip4, ip6, exists; or a modifier name
	Value     string // the domain-spec, network or modifier value (with any /cidr)
	Modifier  bool   // name=value
}

// String renders the term as written in a record ('+' omitted).
func (t SPFTerm) String() string {
	if t.Modifier {
		return t.Name + "=" + t.Value
	}
	q := ""
	if t.Qualifier != '+' && t.Qualifier != 0 {
		q = string(t.Qualifier)
	}
	if t.Value == "" {
		return q + t.Name
	}
	if strings.HasPrefix(t.Value, "/") {
		return q + t.Name + t.Value
	}
	return q + t.Name + ":" + t.Value
}

// SPFRecord is a parsed "v=spf1 …" record.
type SPFRecord struct {
	Terms []SPFTerm
}

// String renders the record in canonical form.
func (r SPFRecord) String() string {
	parts := []string{"v=spf1"}
	for _, t := range r.Terms {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, " ")
}

// All returns the "all" mechanism, if any.
func (r SPFRecord) All() (SPFTerm, bool) {
	for _, t := range r.Terms {
		if !t.Modifier && t.Name == "all" {
			return t, true
		}
	}
	return SPFTerm{}, false
}

// Modifier returns the value of modifier name ("" when absent).
func (r SPFRecord) Modifier(name string) string {
	for _, t := range r.Terms {
		if t.Modifier && t.Name == name {
			return t.Value
		}
	}
	return ""
}

// IsSPF reports whether a TXT string is an SPF record ("v=spf1" then a space or the end).
func IsSPF(txt string) bool {
	return len(txt) >= 6 && strings.EqualFold(txt[:6], "v=spf1") && (len(txt) == 6 || txt[6] == ' ')
}

// ParseSPF parses an SPF record, refusing what RFC 7208 calls a syntax
// error (a permerror at every receiver): unknown mechanisms, missing or
// malformed targets, bad networks, repeated redirect/exp.
func ParseSPF(s string) (SPFRecord, error) {
	var r SPFRecord
	if !IsSPF(s) {
		return r, fmt.Errorf("not an SPF record: it must start with \"v=spf1\"")
	}
	seen := map[string]bool{}
	for _, tok := range strings.Fields(s[6:]) {
		t, err := parseSPFTerm(tok)
		if err != nil {
			return r, fmt.Errorf("term %q: %w", tok, err)
		}
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			if seen[t.Name] {
				return r, fmt.Errorf("term %q: %s= may appear only once", tok, t.Name)
			}
			seen[t.Name] = true
		}
		r.Terms = append(r.Terms, t)
	}
	return r, nil
}

func parseSPFTerm(tok string) (SPFTerm, error) {
	if i := strings.IndexByte(tok, '='); i > 0 && !strings.ContainsAny(tok[:i], ":/") {
		name := strings.ToLower(tok[:i])
		if !validModifierName(name) {
			return SPFTerm{}, fmt.Errorf("bad modifier name")
		}
		t := SPFTerm{Name: name, Value: tok[i+1:], Modifier: true}
		if name == "redirect" || name == "exp" {
			if err := checkDomainSpec(t.Value); err != nil {
				return t, err
			}
		}
		return t, nil
	}
	t := SPFTerm{Qualifier: '+'}
	if strings.ContainsRune("+-~?", rune(tok[0])) {
		t.Qualifier, tok = tok[0], tok[1:]
	}
	name, val := tok, ""
	if i := strings.IndexAny(tok, ":/"); i >= 0 {
		name, val = tok[:i], tok[i:]
	}
	t.Name = strings.ToLower(name)
	if strings.HasPrefix(val, ":") {
		t.Value = val[1:]
		if t.Value == "" {
			return t, fmt.Errorf("empty target after ':'")
		}
	} else {
		t.Value = val
	}
	switch t.Name {
	case "all":
		if val != "" {
			return t, fmt.Errorf("all takes no argument")
		}
	case "include", "exists":
		if !strings.HasPrefix(val, ":") {
			return t, fmt.Errorf("%s needs a domain (%s:example.com)", t.Name, t.Name)
		}
		return t, checkDomainSpec(t.Value)
	case "a", "mx":
		spec, cidr := splitCIDR(t.Value)
		if err := checkDualCIDR(cidr); err != nil {
			return t, err
		}
		if spec != "" {
			return t, checkDomainSpec(spec)
		}
	case "ptr":
		if strings.HasPrefix(val, "/") {
			return t, fmt.Errorf("ptr takes no network length")
		}
		if t.Value != "" {
			return t, checkDomainSpec(t.Value)
		}
	case "ip4", "ip6":
		return t, checkNetwork(t.Name, t.Value)
	default:
		return t, fmt.Errorf("unknown mechanism %q", t.Name)
	}
	return t, nil
}

func validModifierName(n string) bool {
	if n == "" || !(n[0] >= 'a' && n[0] <= 'z') {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// splitCIDR splits "example.com/24//64" into the domain and "/24//64".
func splitCIDR(v string) (string, string) {
	if i := strings.IndexByte(v, '/'); i >= 0 {
		return v[:i], v[i:]
	}
	return v, ""
}

func checkDualCIDR(c string) error {
	if c == "" {
		return nil
	}
	v4, v6, dual := strings.Cut(c, "//")
	if dual && v4 == "" {
		return checkLen(v6, 128)
	}
	if !strings.HasPrefix(v4, "/") {
		return fmt.Errorf("bad network length %q", c)
	}
	if err := checkLen(v4[1:], 32); err != nil {
		return err
	}
	if dual {
		return checkLen(v6, 128)
	}
	return nil
}

func checkLen(s string, max int) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max || (len(s) > 1 && s[0] == '0') {
		return fmt.Errorf("bad network length %q (0-%d)", s, max)
	}
	return nil
}

func checkNetwork(kind, v string) error {
	addr, length, hasLen := strings.Cut(v, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" || (kind == "ip4") != ip.Is4() {
		return fmt.Errorf("%s needs an %s address, got %q", kind, map[string]string{"ip4": "IPv4", "ip6": "IPv6"}[kind], addr)
	}
	if hasLen {
		return checkLen(length, map[string]int{"ip4": 32, "ip6": 128}[kind])
	}
	return nil
}
