package domain

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Cutover-day TTL targets.
const (
	// RecommendedTTL is the MX TTL to set ahead of the cutover.
	RecommendedTTL = 5 * time.Minute
	// acceptableTTL is the largest TTL that needs no lowering.
	acceptableTTL = time.Hour
	// ttlMargin is the slack kept between "every cache has the short TTL"
	// and "cutover": two days, so a TTL of a day still at 86400 two days
	// before the cutover is already late.
	ttlMargin = 48 * time.Hour
)

// TTLAdvice says when a record's TTL must be lowered for a cutover.
type TTLAdvice struct {
	Record string        // "MX"
	TTL    time.Duration // as the authoritative servers give it now
	// LowerBy is the last moment to lower the TTL for the cutover (zero without a cutover date).
	LowerBy time.Time
	// EarliestFlip is the earliest moment the record can be changed with every
	// cache holding the short TTL, if the TTL is lowered now.
	EarliestFlip time.Time
	Severity     Severity
	Summary      string
	Action       string
}

// AdviseTTL compares a record's TTL with the cutover date: a TTL above an
// hour must be lowered to RecommendedTTL at least TTL + two days before the
// cutover; after that it is a warning, and the earliest safe flip is now + TTL.
func AdviseTTL(record string, ttl time.Duration, now, cutover time.Time) TTLAdvice {
	a := TTLAdvice{Record: record, TTL: ttl, EarliestFlip: now.Add(ttl)}
	if ttl <= acceptableTTL {
		a.Severity, a.EarliestFlip = SeverityOK, now
		a.Summary = fmt.Sprintf("The %s TTL is %s: a change reaches everyone within %s.", record, human(ttl), human(ttl))
		return a
	}
	lower := fmt.Sprintf("Lower the %s TTL to %d seconds (%s) at the DNS host", record, int(RecommendedTTL.Seconds()), human(RecommendedTTL))
	if cutover.IsZero() {
		a.Severity = SeverityInfo
		a.Summary = fmt.Sprintf("The %s TTL is %s: resolvers may keep the old %s for up to %s after a change.", record, human(ttl), record, human(ttl))
		a.Action = lower + fmt.Sprintf(" at least %s before the cutover.", human(ttl+ttlMargin))
		return a
	}
	a.LowerBy = cutover.Add(-ttl - ttlMargin)
	if !now.After(a.LowerBy) {
		a.Severity = SeverityInfo
		a.Summary = fmt.Sprintf("The %s TTL is %s; there is time to lower it before the cutover on %s.", record, human(ttl), cutover.Format("Mon 2 Jan 15:04"))
		a.Action = lower + " by " + a.LowerBy.Format("Mon 2 Jan 15:04") + "."
		return a
	}
	a.Severity = SeverityWarning
	a.Summary = fmt.Sprintf("The %s TTL is still %s with the cutover %s away: resolvers may keep the old %s for %s after the change.", record, human(ttl), human(cutover.Sub(now).Round(time.Hour)), record, human(ttl))
	a.Action = lower + " now. The earliest safe moment to change the " + record + " is then " + a.EarliestFlip.Format("Mon 2 Jan 15:04")
	if a.EarliestFlip.After(cutover) {
		a.Action += " — after the planned cutover: move the cutover, or accept that some mail reaches the old host for up to " + human(ttl) + " (keep it running and do a final delta)."
	} else {
		a.Action += "."
	}
	return a
}

// human renders a duration as people say it: "1 day", "5 minutes".
func human(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 seconds"
	case d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	case d > time.Hour:
		return fmt.Sprintf("%.1f hours", d.Hours())
	}
	return plural(int(d/time.Second), "second")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// checkTTL gives TTL advice for the MX (against the cutover) and notes the NS TTL.
func (rn *run) checkTTL(ctx context.Context, z *zoneInfo) []Finding {
	l := rn.r.lookup(ctx, rn.domain, dns.TypeMX)
	if l.Err != nil {
		return []Finding{failed("ttl", "the MX TTL", l)}
	}
	var out []Finding
	if len(l.Records) > 0 {
		a := AdviseTTL("MX", time.Duration(maxTTL(l.Records))*time.Second, rn.now, rn.req.Cutover)
		out = append(out, Finding{Check: "ttl.mx", Severity: a.Severity, Summary: a.Summary, Action: a.Action, Evidence: evidenceOf(src(l), l.Records)})
	}
	if len(z.ChildNS) > 0 {
		ttl := time.Duration(z.ChildNS[0].Hdr.Ttl) * time.Second
		f := Finding{Check: "ttl.ns", Severity: SeverityInfo, Summary: fmt.Sprintf("The NS TTL is %s: moving the DNS to another host takes that long (and the registry's copy up to 2 days) to reach everyone.", human(ttl)),
			Evidence: nsEvidence(z.ChildFrom, z.ChildNS)}
		if z.ParentNS != nil {
			f.Evidence = append(f.Evidence, nsEvidence(z.ParentFrom, z.ParentNS)...)
		}
		out = append(out, f)
	}
	return out
}

func maxTTL(rrs []dns.RR) uint32 {
	var m uint32
	for _, rr := range rrs {
		m = max(m, rr.Header().Ttl)
	}
	return m
}
