package domain

import (
	"context"
	"strings"
	"testing"
	"time"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Half the resolvers still cache the old MX: the round says "2 of 4", and
// each resolver's answer and TTL are the ones it gave.
func TestPropagationCountsWhoSeesTheNewMX(t *testing.T) {
	n := startNet(t, shopNewMX, shopNewMX, shopNewMX, shopOldMX, shopOldMX)
	p, err := NewChecker(n.cfg).Propagation(testCtx(t), PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Summary(), "2 of 4 resolvers and 2 of 2 name servers see the new MX"; got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
	if p.Complete() {
		t.Fatal("a round with stale resolvers is not complete")
	}
	byServer := map[string]Observation{}
	for _, o := range p.Observations {
		byServer[o.Server] = o
	}
	for name, want := range map[string]struct {
		host string
		ttl  uint32
		new  bool
	}{"resolverA": {newMXHost, 300, true}, "resolverB": {newMXHost, 300, true}, "resolverC": {oldMXHost, 86400, false}, "resolverD": {oldMXHost, 86400, false}} {
		var o Observation
		for s, obs := range byServer {
			if strings.Contains(s, name) {
				o = obs
			}
		}
		if o.Kind != "resolver" || len(o.Values) != 1 || !strings.Contains(o.Values[0], want.host) || o.TTL != want.ttl || o.New != want.new {
			t.Errorf("%s: %+v, want %s TTL %d new=%v", name, o, want.host, want.ttl, want.new)
		}
		if !want.new && !o.Unexpected {
			t.Errorf("%s gives an MX no name server gives: Unexpected must be set", name)
		}
	}
	auth := 0
	for _, o := range p.Observations {
		if o.Kind == "authoritative" {
			auth++
			if !o.New || o.TTL != 300 || o.Error != "" {
				t.Errorf("authoritative %s: %+v", o.Server, o)
			}
		}
	}
	if auth != 2 {
		t.Fatalf("%d authoritative observations, want both name servers", auth)
	}
}

// Watch stops after Count rounds when resolvers stay stale, waiting through
// the injected After between rounds (never sleeping for real).
func TestWatchIsBoundedAndUsesInjectedAfter(t *testing.T) {
	n := startNet(t, shopNewMX, shopNewMX, shopOldMX)
	var waits []time.Duration
	n.cfg.After = func(d time.Duration) <-chan time.Time {
		waits = append(waits, d)
		c := make(chan time.Time, 1)
		c <- time.Now()
		return c
	}
	var rounds int
	hist, err := NewChecker(n.cfg).Watch(testCtx(t), PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}},
		WatchOptions{Interval: 45 * time.Second, Count: 3, OnRound: func(p Propagation, h []Propagation) { rounds = len(h) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || rounds != 3 {
		t.Fatalf("%d rounds (OnRound saw %d), want exactly Count=3", len(hist), rounds)
	}
	if len(waits) != 2 || waits[0] != 45*time.Second {
		t.Fatalf("waits between rounds: %v, want two of 45s", waits)
	}
	// Once every server sees the new MX, Watch stops at the first round.
	done := startNet(t, shopNewMX, shopNewMX, shopNewMX)
	done.cfg.After = n.cfg.After
	hist, err = NewChecker(done.cfg).Watch(testCtx(t), PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}}, WatchOptions{Count: 5})
	if err != nil || len(hist) != 1 || !hist[0].Complete() {
		t.Fatalf("complete propagation: %d rounds, err %v", len(hist), err)
	}
}

// Watch ends with the context even while waiting for the next round.
func TestWatchEndsWithTheContext(t *testing.T) {
	n := startNet(t, shopNewMX, shopOldMX)
	never := make(chan time.Time)
	n.cfg.After = func(time.Duration) <-chan time.Time { return never }
	ctx, cancel := context.WithCancel(testCtx(t))
	hist, err := NewChecker(n.cfg).Watch(ctx, PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}},
		WatchOptions{Count: 100, OnRound: func(Propagation, []Propagation) { cancel() }})
	if err == nil || len(hist) != 1 {
		t.Fatalf("cancelled watch: %d rounds, err %v", len(hist), err)
	}
}

// The old MX can be cached until the flip plus the TTL the name servers
// gave before the change: only a history recorded before the change knows it.
func TestOldAnswerGoneByUsesTheTTLsRecordedBeforeTheChange(t *testing.T) {
	before := startNet(t, shopOldMX, shopOldMX)
	after := startNet(t, shopNewMX, shopNewMX)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(2 * time.Hour)
	before.cfg.Now = func() time.Time { return t0 }
	after.cfg.Now = func() time.Time { return t1 }
	q := PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}}
	p0, err := NewChecker(before.cfg).Propagation(testCtx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := OldAnswerGoneBy([]Propagation{p0}); ok {
		t.Fatal("before the name servers change there is no end to the old answer")
	}
	p1, err := NewChecker(after.cfg).Propagation(testCtx(t), PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}})
	if err != nil {
		t.Fatal(err)
	}
	gone, ok := OldAnswerGoneBy([]Propagation{p0, p1})
	if !ok || !gone.Equal(t1.Add(86400*time.Second)) {
		t.Fatalf("gone by %v (ok %v), want the flip %v plus the old TTL of one day", gone, ok, t1)
	}
	if gone, ok := OldAnswerGoneBy([]Propagation{p1}); !ok || !gone.Equal(t1) {
		t.Fatalf("with no record before the change: %v %v, want the flip itself", gone, ok)
	}
}

// A resolver that times out is an observation with an error, never a "sees it".
func TestPropagationReportsAResolverThatTimesOut(t *testing.T) {
	n := startNet(t, shopNewMX, shopNewMX, shopNewMX)
	n.servers["resolverB"].setFault(faultDrop)
	n.cfg.Retries = -1
	p, err := NewChecker(n.cfg).Propagation(testCtx(t), PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Summary(); got != "1 of 1 resolvers and 2 of 2 name servers see the new MX (1 did not answer)" {
		t.Fatalf("summary %q", got)
	}
	if p.Complete() {
		t.Fatal("a round with a silent resolver is not complete")
	}
}

// In a full check the propagation finding says until when stale resolvers
// may keep the old MX: the round's time plus their remaining TTL.
func TestCheckPropagationSaysUntilWhenTheOldMXMayBeCached(t *testing.T) {
	n := startNet(t, shopNewMX, shopNewMX, shopOldMX)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.Local)
	n.cfg.Now = func() time.Time { return now }
	rep, err := NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365"})
	if err != nil {
		t.Fatal(err)
	}
	f := findingOf(t, rep, "propagation")
	want := now.Add(86400 * time.Second).Format("Mon 2 Jan 15:04")
	if !strings.Contains(f.Summary, "1 of 2 resolvers") || !strings.Contains(f.Summary, "old MX until "+want) || f.Action == "" {
		t.Fatalf("propagation finding: %+v (want the old MX cached until %s)", f, want)
	}
}
