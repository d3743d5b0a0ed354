package domain

import (
	"context"
	"time"
)

// OldAnswerGoneBy returns the earliest moment every cache in the world can
// have dropped the old answer, from a history of propagation rounds in
// time order (include rounds recorded before the change: their TTLs are
// what caches may hold). It is the first round in which every answering
// authoritative server gives the new answer, plus the largest TTL seen for
// an old answer before that round — or, for resolvers, the moment their
// cached old answer runs out, whichever is later. ok is false until the
// authoritative servers all give the new answer.
func OldAnswerGoneBy(history []Propagation) (time.Time, bool) {
	var flip time.Time
	var oldTTL uint32
	var latest time.Time
	for _, p := range history {
		as, aa := p.Counts("authoritative")
		for _, o := range p.Observations {
			if o.Error != "" || o.New || len(o.Values) == 0 {
				continue
			}
			if o.Kind == "authoritative" {
				oldTTL = max(oldTTL, o.TTL)
			} else if end := p.At.Add(time.Duration(o.TTL) * time.Second); end.After(latest) {
				latest = end
			}
		}
		if aa > 0 && as == aa {
			flip = p.At
			break
		}
	}
	if flip.IsZero() {
		return time.Time{}, false
	}
	gone := flip.Add(time.Duration(oldTTL) * time.Second)
	if latest.After(gone) {
		gone = latest
	}
	return gone, true
}

// WatchOptions bound a Watch.
type WatchOptions struct {
	Interval time.Duration // between rounds; default 1 minute
	Count    int           // at most this many rounds (1-1000); default 10
	// KeepGoing polls all Count rounds even after every server sees the new answer.
	KeepGoing bool
	// OnRound is called after each round with the history so far (may be nil).
	OnRound func(p Propagation, history []Propagation)
}

// Watch repeats Propagation every Interval, at most Count times, stopping
// early when every server sees the new answer (unless KeepGoing) or when
// ctx ends. It returns the history, including rounds before an error.
func (c *Checker) Watch(ctx context.Context, q PropagationQuery, opt WatchOptions) ([]Propagation, error) {
	if opt.Interval <= 0 {
		opt.Interval = time.Minute
	}
	if opt.Count <= 0 {
		opt.Count = 10
	}
	opt.Count = min(opt.Count, 1000)
	var hist []Propagation
	for i := 0; i < opt.Count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return hist, ctx.Err()
			case <-c.cfg.After(opt.Interval):
			}
		}
		p, err := c.Propagation(ctx, PropagationQuery{Domain: q.Domain, Type: q.Type, Expect: append([]string(nil), q.Expect...)})
		if err != nil {
			return hist, err
		}
		hist = append(hist, p)
		if opt.OnRound != nil {
			opt.OnRound(p, hist)
		}
		if p.Complete() && !opt.KeepGoing {
			break
		}
	}
	return hist, ctx.Err()
}
