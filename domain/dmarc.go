package domain

import (
	"fmt"
	"strings"
)

// DMARCRecord is a parsed "v=DMARC1; …" record (RFC 7489).
type DMARCRecord struct {
	Policy          string   // p: none, quarantine or reject
	SubdomainPolicy string   // sp, "" when absent
	RUA             []string // aggregate report addresses (URIs)
	Pct             string   // pct, "" when absent
	Tags            map[string]string
}

// ParseDMARC parses a DMARC TXT record: v=DMARC1 first, a valid p= tag,
// each tag once.
func ParseDMARC(s string) (DMARCRecord, error) {
	r := DMARCRecord{Tags: map[string]string{}}
	parts := strings.Split(s, ";")
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			if i == 0 {
				return r, fmt.Errorf("empty record")
			}
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || k == "" {
			return r, fmt.Errorf("tag %q has no value", part)
		}
		if i == 0 && (k != "v" || v != "DMARC1") {
			return r, fmt.Errorf("must start with v=DMARC1")
		}
		if _, dup := r.Tags[k]; dup {
			return r, fmt.Errorf("tag %s appears twice", k)
		}
		r.Tags[k] = v
	}
	if _, ok := r.Tags["v"]; !ok {
		return r, fmt.Errorf("must start with v=DMARC1")
	}
	r.Policy = strings.ToLower(r.Tags["p"])
	switch r.Policy {
	case "none", "quarantine", "reject":
	case "":
		return r, fmt.Errorf("the policy tag p= is missing")
	default:
		return r, fmt.Errorf("unknown policy p=%s", r.Policy)
	}
	r.SubdomainPolicy = strings.ToLower(r.Tags["sp"])
	r.Pct = r.Tags["pct"]
	if rua := r.Tags["rua"]; rua != "" {
		for _, u := range strings.Split(rua, ",") {
			u = strings.TrimSpace(u)
			if !strings.HasPrefix(strings.ToLower(u), "mailto:") && !strings.HasPrefix(strings.ToLower(u), "https:") {
				return r, fmt.Errorf("report address %q must start with mailto:", u)
			}
			r.RUA = append(r.RUA, u)
		}
	}
	return r, nil
}
