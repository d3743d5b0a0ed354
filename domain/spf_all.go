package domain

import "strings"

// AfterAll returns the mechanisms written after "all": receivers stop at
// "all", so these are never evaluated (RFC 7208 section 5.1).
func (r SPFRecord) AfterAll() []SPFTerm {
	var out []SPFTerm
	seen := false
	for _, t := range r.Terms {
		switch {
		case !t.Modifier && t.Name == "all":
			seen = true
		case seen && !t.Modifier:
			out = append(out, t)
		}
	}
	return out
}

// AllLast returns r with its "all" mechanism moved after every other
// mechanism (modifiers keep their places); r itself is not changed.
func (r SPFRecord) AllLast() SPFRecord {
	all, ok := r.All()
	if !ok {
		return r
	}
	var out SPFRecord
	for _, t := range r.Terms {
		if t.Modifier || t.Name != "all" {
			out.Terms = append(out.Terms, t)
		}
	}
	out.Terms = append(out.Terms, all)
	return out
}

// termsString renders terms as written in a record, space-separated.
func termsString(ts []SPFTerm) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, " ")
}

// hasInclude reports whether ts has an include of inc.
func hasInclude(ts []SPFTerm, inc string) bool {
	for _, t := range ts {
		if !t.Modifier && t.Name == "include" && sameHost(t.Value, inc) {
			return true
		}
	}
	return false
}

// MergeSPF returns record with "include:inc" added before its "all" (or
// redirect), keeping everything else. A record that already includes inc is
// returned unchanged; a record with neither all nor redirect gets "~all"
// (soft fail: safe while mail moves between hosts).
func MergeSPF(record SPFRecord, inc string) SPFRecord {
	if inc == "" {
		return record
	}
	for _, t := range record.Terms {
		if !t.Modifier && t.Name == "include" && sameHost(t.Value, inc) {
			return record
		}
	}
	add := SPFTerm{Qualifier: '+', Name: "include", Value: inc}
	out := SPFRecord{}
	placed := false
	for _, t := range record.Terms {
		if !placed && (t.Name == "all" && !t.Modifier || t.Modifier && t.Name == "redirect") {
			out.Terms = append(out.Terms, add)
			placed = true
		}
		out.Terms = append(out.Terms, t)
	}
	if !placed {
		out.Terms = append(out.Terms, add)
		if record.Modifier("redirect") == "" {
			out.Terms = append(out.Terms, SPFTerm{Qualifier: '~', Name: "all"})
		}
	}
	return out
}
