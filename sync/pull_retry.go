package sync

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"mailshift/store"
)

// maxThrottleWaits bounds how many server-requested waits one retry call
// takes without using up its attempts (a server that throttles for ever
// still ends the folder with an error).
const maxThrottleWaits = 12

// retry runs f with a pooled connection, reconnecting with backoff after
// transient failures (network, timeouts, too many connections, throttling
// BYE or NO); permanent failures and ctx end it at once. A write that
// failed on a full disk waits for space (awaitSpace) and uses up no
// attempt; one that failed with room on the disk (a quota, no inodes
// left) is an ordinary failure.
//
// A server's suggested wait ("retry in 30 seconds", in a BYE that ended
// the session or in a NO) is honoured, capped at MaxThrottleWait: the next
// connection of the mailbox is made no earlier. A throttled failure (such
// a wait, or the UNAVAILABLE or LIMIT code) does not use up an attempt
// (backing off is not failing), up to maxThrottleWaits.
//
// progressed, when not nil, tells whether the failed attempt still moved the
// work forward (committed something); such an attempt does not use up the
// retry budget, so a link that drops every few megabytes still completes.
func (r *run) retry(ctx context.Context, mb string, f func(*Conn) error, progressed func() bool) error {
	wait := r.opts.Backoff
	throttles := 0
	var err error
	for attempt := 0; attempt <= r.opts.Retries; attempt++ {
		var c *Conn
		ran := false // f ran in this attempt: only then can it have progressed
		c, err = r.pool.get(ctx, mb)
		if err == nil {
			ran = true
			err = f(c)
			if err == nil {
				r.pool.put(mb, c)
				return nil
			}
			r.pool.discard(c)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if store.IsDiskFull(err) {
			waited, werr := r.awaitSpace(ctx, mb)
			if werr != nil {
				return werr
			}
			if waited { // waiting for space is not failing: no attempt used
				attempt--
				continue
			}
		}
		if IsPermanent(err) {
			return err
		}
		// progressed reports f's last run: after a failed connect it
		// would still say yes, and a server gone for good after some
		// progress was retried for ever.
		if ran && progressed != nil && progressed() {
			attempt, wait = -1, r.opts.Backoff
		}
		d, counts := wait, true
		if IsTooMany(err) {
			d = 4 * wait
			if r.pool.shrink() {
				r.opts.Progress.Waiting(mb, "the server limits connections: continuing with one fewer")
				counts = false // backing off is not failing
			}
		}
		if s, ok := serverWait(err, r.opts.MaxThrottleWait); ok {
			d = max(d, s)
			r.pool.holdOff(mb, s) // helpers and other folders wait too
		}
		if isThrottled(err) && counts && throttles < maxThrottleWaits {
			throttles++
			counts = false
		}
		if !counts {
			attempt = max(attempt-1, -1)
		}
		r.opts.Progress.Waiting(mb, fmt.Sprintf("%v; trying again in %v", err, d))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
		if wait < time.Minute {
			wait *= 2
		}
	}
	return err
}

var suggestedWait = regexp.MustCompile(`(?i)(?:try again|retry|wait)\D{0,20}(\d{1,4})\s*(s|sec|seconds?|m|min|minutes?)\b`)

// serverWait is the wait the server asked for in a failure's words, at
// most limit: ok is false when it named none.
func serverWait(err error, limit time.Duration) (time.Duration, bool) {
	var ce *ConnError
	if !errors.As(err, &ce) {
		return 0, false
	}
	m := suggestedWait.FindStringSubmatch(ce.Text)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	d := time.Duration(n) * time.Second
	if strings.HasPrefix(strings.ToLower(m[2]), "m") {
		d = time.Duration(n) * time.Minute
	}
	return min(d, limit), true
}
