package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Severity grades a Finding. The zero value is not a valid severity.
type Severity string

// Severities, from the most to the least urgent.
const (
	// SeverityBlocker: the cutover must wait until this is fixed.
	SeverityBlocker Severity = "blocker"
	// SeverityWarning: mail may be lost, delayed or marked as spam.
	SeverityWarning Severity = "warning"
	// SeverityNotRun: the check could not run (offline, timeout); re-run it.
	SeverityNotRun Severity = "notrun"
	// SeverityInfo: worth knowing, nothing to fix.
	SeverityInfo Severity = "info"
	// SeverityOK: checked and right.
	SeverityOK Severity = "ok"
)

// rank orders severities: lower is more urgent.
func (s Severity) rank() int {
	switch s {
	case SeverityBlocker:
		return 0
	case SeverityWarning:
		return 1
	case SeverityNotRun:
		return 2
	case SeverityInfo:
		return 3
	case SeverityOK:
		return 4
	}
	return 5
}

// Label is the severity as shown to people ("BLOCKER", "not run", …).
func (s Severity) Label() string {
	switch s {
	case SeverityBlocker:
		return "BLOCKER"
	case SeverityWarning:
		return "WARNING"
	case SeverityNotRun:
		return "NOT RUN"
	case SeverityInfo:
		return "info"
	case SeverityOK:
		return "ok"
	}
	return string(s)
}

// Evidence is one fact behind a finding: a DNS record as one server
// answered it (Name, Type, TTL, Value), or a note (an RDAP field, an error).
type Evidence struct {
	Source string `json:"source,omitempty"` // who answered: "ns1.example.net (192.0.2.1)", "resolver Cloudflare (1.1.1.1)", an RDAP URL
	Name   string `json:"name,omitempty"`
	Type   string `json:"type,omitempty"`
	TTL    uint32 `json:"ttl,omitempty"`
	Value  string `json:"value,omitempty"`
	Note   string `json:"note,omitempty"`
}

// String renders the evidence on one line: a record as "name ttl type
// value", a note about a name (no value) as "name type — note", so no
// TTL is shown that no server gave.
func (e Evidence) String() string {
	s := ""
	switch {
	case e.Value != "":
		s = fmt.Sprintf("%s %d %s %s", e.Name, e.TTL, e.Type, e.Value)
	case e.Name != "" || e.Type != "":
		s = strings.TrimSpace(e.Name + " " + e.Type)
	}
	if e.Note != "" {
		if s != "" {
			s += " — "
		}
		s += e.Note
	}
	if e.Source != "" {
		s += " [" + e.Source + "]"
	}
	return s
}

// Finding is the result of one check.
type Finding struct {
	Check    string     `json:"check"`    // stable identifier: "mx", "spf", "rdap.status", …
	Severity Severity   `json:"severity"` // never empty
	Summary  string     `json:"summary"`  // one plain-language line
	Evidence []Evidence `json:"evidence,omitempty"`
	Action   string     `json:"action,omitempty"` // what to do; empty when nothing
}

// ReportVersion is the version of Report's JSON encoding. Decoding refuses
// newer versions; fields are only ever added, so older ones decode.
const ReportVersion = 1

// Report is one run of the checks for a domain. Its JSON encoding is
// stable and versioned ({"version":1,"domain":…,"at":…,"findings":[…]}),
// so app/ can store snapshots and compare them later.
type Report struct {
	Domain   string    `json:"domain"`
	At       time.Time `json:"at"`
	Findings []Finding `json:"findings"`
	// Plan is the records the destination needs, diffed against the live
	// DNS this run read (nil when no destination profile or MX was given,
	// or the zone could not be read): the same as Checker.Expected, without
	// asking DNS a second time.
	Plan *Plan `json:"plan,omitempty"`
}

type reportJSON struct {
	Version  int       `json:"version"`
	Domain   string    `json:"domain"`
	At       time.Time `json:"at"`
	Findings []Finding `json:"findings"`
	Plan     *Plan     `json:"plan,omitempty"`
}

// MarshalJSON encodes the report with its version.
func (r Report) MarshalJSON() ([]byte, error) {
	f := r.Findings
	if f == nil {
		f = []Finding{}
	}
	return json.Marshal(reportJSON{Version: ReportVersion, Domain: r.Domain, At: r.At.UTC(), Findings: f, Plan: r.Plan})
}

// UnmarshalJSON decodes a report written by this or an older version.
func (r *Report) UnmarshalJSON(b []byte) error {
	var j reportJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("decode domain report: %w", err)
	}
	if j.Version < 1 || j.Version > ReportVersion {
		return fmt.Errorf("decode domain report: version %d not supported (this build reads up to %d)", j.Version, ReportVersion)
	}
	*r = Report{Domain: j.Domain, At: j.At, Findings: j.Findings, Plan: j.Plan}
	return nil
}

// Sort orders findings by severity, blockers first; findings of equal
// severity keep their order.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.rank() < fs[j].Severity.rank() })
}

// Worst returns the most urgent severity among fs (SeverityOK when empty).
func Worst(fs []Finding) Severity {
	w := SeverityOK
	for _, f := range fs {
		if f.Severity.rank() < w.rank() {
			w = f.Severity
		}
	}
	return w
}

// Count returns how many findings have severity s.
func (r Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// notRun builds the finding of a check that could not run.
func notRun(check, what string, err error) Finding {
	return Finding{Check: check, Severity: SeverityNotRun,
		Summary: fmt.Sprintf("not run: %s (%v)", what, err),
		Action:  "Check the internet connection and run the checks again."}
}
