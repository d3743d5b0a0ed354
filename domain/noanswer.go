package domain

import (
	"errors"
	"fmt"
	"strings"
)

// noAnswerError is the failure of a lookup when no server of a zone gave a
// usable answer. It keeps each server's problem, so a finding can say in
// plain words what they all did (timed out, replied SERVFAIL, …).
type noAnswerError struct {
	Zone     string   // the zone whose servers were asked, fqdn
	Name     string   // the name asked for
	Problems []string // "server: problem", one per server asked
	Servers  []string // each server asked, as shown to people
	Causes   []string // each server's problem alone, in the same order
}

func (e *noAnswerError) Error() string {
	return fmt.Sprintf("no server of zone %s answered for %s (%s)", e.Zone, e.Name, strings.Join(e.Problems, "; "))
}

// Plain names the cause every server shared, for a finding's summary;
// when they failed in different ways it says only that no answer was usable.
func (e *noAnswerError) Plain() string {
	zone := bare(e.Zone)
	if zone == "" {
		zone = "the root zone"
	}
	same := len(e.Causes) > 0
	for _, c := range e.Causes {
		same = same && c == e.Causes[0]
	}
	switch {
	case same && e.Causes[0] == "no reply (timeout)":
		return "none of the name servers of " + zone + " answered in time"
	case same && e.Causes[0] == "connection refused":
		return "nothing answers DNS at the addresses of the name servers of " + zone + " (connection refused)"
	case same && strings.HasPrefix(e.Causes[0], "replied "):
		return "the name servers of " + zone + " " + e.Causes[0]
	case same && e.Causes[0] == lameProblem:
		return "the name servers of " + zone + " do not serve it (lame)"
	}
	return "the DNS servers gave no usable answer"
}

// lameProblem is the problem of a server that answered without authority,
// without data and without a referral.
const lameProblem = "not authoritative and no referral (lame)"

// lookupWhy says in plain words why a lookup failed.
func lookupWhy(err error) string {
	var na *noAnswerError
	if errors.As(err, &na) {
		return na.Plain()
	}
	if isNetErr(err) {
		return describeNetErr(err)
	}
	return err.Error()
}
