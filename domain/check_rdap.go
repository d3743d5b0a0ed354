package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// statusRules are the registry statuses that stop DNS changes.
var statusRules = map[string]string{
	"pendingtransfer":        "The domain is being transferred to another registrar; name-server changes are frozen until the transfer completes (up to 5 days).",
	"clientupdateprohibited": "The registrar has locked the domain against updates: its name servers cannot be changed until the lock is lifted.",
	"serverupdateprohibited": "The registry has locked the domain against updates: its name servers cannot be changed until the registry lifts the lock.",
	"clienthold":             "The registrar has put the domain on hold: it is removed from DNS and receives no mail.",
	"serverhold":             "The registry has put the domain on hold: it is removed from DNS and receives no mail.",
	"redemptionperiod":       "The domain has expired and is in its redemption period: it must be restored (at a fee) before anything else.",
	"pendingdelete":          "The domain is about to be deleted by the registry.",
}

// normStatus turns "client update prohibited" and "clientUpdateProhibited" into "clientupdateprohibited".
func normStatus(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(s))
}

// RegistrationFindings judges a registration for a cutover at cutover
// (zero: not planned; then "now" is used): blockers for statuses that
// freeze or remove the domain and for expiry within 30 days of the cutover;
// warnings for a transfer or registrant change in the last 60 days.
func RegistrationFindings(reg Registration, now, cutover time.Time) []Finding {
	ev := []Evidence{{Source: reg.Source, Note: fmt.Sprintf("registrar: %s; status: %s; expires: %s; name servers: %s",
		firstNonEmpty(reg.Registrar, "unknown"), firstNonEmpty(strings.Join(reg.Status, ", "), "none"), dateOr(reg.Expires, "unknown"), firstNonEmpty(strings.Join(reg.Nameservers, ", "), "none"))}}
	for _, e := range reg.Events {
		ev = append(ev, Evidence{Source: reg.Source, Note: e.Action + ": " + e.Date.Format("2006-01-02")})
	}
	var out []Finding
	for _, s := range reg.Status {
		if why, ok := statusRules[normStatus(s)]; ok {
			out = append(out, Finding{Check: "rdap.status", Severity: SeverityBlocker, Summary: why + " (status: " + s + ")", Evidence: ev,
				Action: "Ask the registrar (" + firstNonEmpty(reg.Registrar, "where the domain is registered") + ") to resolve this before the cutover; move the cutover date if it cannot be fixed in time."})
		}
	}
	ref := cutover
	if ref.IsZero() || ref.Before(now) {
		ref = now
	}
	if !reg.Expires.IsZero() {
		switch {
		case !reg.Expires.After(now):
			out = append(out, Finding{Check: "rdap.expiry", Severity: SeverityBlocker, Summary: "The domain registration expired on " + dateOr(reg.Expires, "") + ".", Evidence: ev,
				Action: "Renew the domain at the registrar now; mail stops when the registry removes it."})
		case reg.Expires.Before(ref.Add(30 * 24 * time.Hour)):
			out = append(out, Finding{Check: "rdap.expiry", Severity: SeverityBlocker, Summary: "The domain registration expires on " + dateOr(reg.Expires, "") + ", within 30 days of the cutover.", Evidence: ev,
				Action: "Renew the domain before the cutover; a lapse in the middle of the migration stops all mail."})
		}
	}
	for _, e := range reg.Events {
		if (strings.Contains(e.Action, "transfer") || strings.Contains(e.Action, "registrant")) && e.Date.After(now.Add(-60*24*time.Hour)) && !e.Date.After(now) {
			out = append(out, Finding{Check: "rdap.recent", Severity: SeverityWarning,
				Summary:  fmt.Sprintf("The domain had a %s on %s (less than 60 days ago).", e.Action, e.Date.Format("2 Jan 2006")),
				Evidence: ev,
				Action:   "Make sure the customer controls the account at the new registrar and that its contact e-mail works; registrars lock changes for 60 days after a transfer or owner change."})
		}
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: "rdap", Severity: SeverityOK, Summary: fmt.Sprintf("The registration is in order (registrar %s, expires %s).", firstNonEmpty(reg.Registrar, "unknown"), dateOr(reg.Expires, "date unknown")), Evidence: ev})
	}
	return out
}

func dateOr(t time.Time, def string) string {
	if t.IsZero() {
		return def
	}
	return t.Format("2 Jan 2006")
}

// checkRegistration runs the RDAP lookup and judges it.
func (rn *run) checkRegistration(ctx context.Context, z *zoneInfo) []Finding {
	reg, err := (&Checker{cfg: rn.cfg}).Registration(ctx, rn.domain)
	switch {
	case errors.Is(err, ErrNoRDAP):
		return []Finding{{Check: "rdap", Severity: SeverityInfo, Summary: "The registry of " + reg.Domain + " offers no RDAP service, so its registration status was not checked.",
			Action: "Check at the registrar that the domain is not locked, in transfer, or expiring before the cutover."}}
	case errors.Is(err, ErrNotRegistered):
		return []Finding{{Check: "rdap", Severity: SeverityWarning, Summary: "The registry has no record of " + reg.Domain + ".",
			Action: "Check the spelling, and at the registrar that the domain is registered."}}
	case err != nil && isNetErr(err):
		return []Finding{notRun("rdap", "could not reach the registry (RDAP)", err)}
	case err != nil:
		return []Finding{{Check: "rdap", Severity: SeverityWarning, Summary: "The registration status could not be read: the registry's answer was unusable.", Evidence: []Evidence{{Note: err.Error()}},
			Action: "Check at the registrar that the domain is not locked, in transfer, or expiring before the cutover."}}
	}
	return RegistrationFindings(reg, rn.now, rn.req.Cutover)
}
