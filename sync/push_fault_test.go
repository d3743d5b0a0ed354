package sync

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// The link to the destination is cut again and again: after the server's
// answers are partly sent (the literal arrived, the tagged OK did not) and
// in the middle of literals (upstream cut at random offsets), on the wire
// path (MULTIAPPEND, LITERAL+) and on go-imap's APPEND. Each run resolves
// the lost outcomes by searching the destination before sending anything
// again; when the link is healthy the destination holds every message
// exactly once.
func TestPushThroughResetsAndCutLiterals(t *testing.T) {
	for _, plain := range []bool{false, true} {
		name := map[bool]string{false: "wire", true: "plain"}[plain]
		t.Run(name, func(t *testing.T) { pushThroughCuts(t, plain, 2) })
	}
	// Four connections: two upload sessions share each big folder, and
	// a cut on either fails the folder's attempt, which resolves both
	// sessions' lost answers before sending again.
	t.Run("wire, split", func(t *testing.T) { pushThroughCuts(t, false, 4) })
	// One connection: the folder's own session, borrowed for MULTIAPPEND.
	t.Run("borrowed", func(t *testing.T) { pushThroughCuts(t, false, 1) })
}

func pushThroughCuts(t *testing.T, plain bool, maxConns int) {
	e := newPushEnv(t, styleSlash, styleDot, 2)
	proxy, port := startProxy(t, e.dst.Addr)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	found, unknown, cuts := 0, 0, 0
	for round := 0; round < 14; round++ {
		proxy.Toxics.ResetToxics(context.Background())
		down := 6000 + round*2500 + rng.Intn(4000)
		switch {
		case !plain && maxConns > 1: // the upload session reads a few lines per window
			down = 900 + round*150 + rng.Intn(600)
		case !plain: // the one session reads its logins, listings and a line per window
			down = 1200 + round*120 + rng.Intn(500)
		}
		if round%2 == 0 { // answers cut: APPENDs committed, OKs lost
			addToxic(t, proxy, fmt.Sprintf(`{"name":"cut","type":"limit_data","stream":"downstream","attributes":{"bytes":%d}}`, down))
		} else { // requests cut mid-literal
			addToxic(t, proxy, fmt.Sprintf(`{"name":"cut","type":"limit_data","stream":"upstream","attributes":{"bytes":%d}}`, 2000+rng.Intn(30000)))
		}
		ep := endpointFor(e.dst, fmt.Sprintf("127.0.0.1:%d", port), store.SecurityPlain, testenv.DefaultUser)
		ep.CommandTimeout = 3 * time.Second
		events := &eventLog{}
		rep, _ := Push(context.Background(), e.db, []PushMailbox{{Box: e.box, Endpoint: ep}},
			PushOptions{Window: 6, MaxConnections: maxConns, Retries: 2, Backoff: time.Millisecond, Progress: events, PlainAppend: plain})
		tot := rep.Totals()
		found += tot.Found
		unknown += tot.Unknown
		cuts += countLines(events.all(), "trying again")
	}
	proxy.Toxics.ResetToxics(context.Background())
	rep := e.push(t, PushOptions{PlainAppend: plain, MaxConnections: maxConns}, nil)
	if rep.Exceptions() {
		t.Fatalf("healthy run: %s", rep.Summary())
	}
	found += rep.Totals().Found
	if n := e.assertDestMatchesSource(t); n != 196 {
		t.Fatalf("%d compared", n)
	}
	if cuts == 0 {
		t.Fatal("the faults never hit")
	}
	// Where a cut lands is up to timing: the deterministic proof that a
	// lost answer is found, not re-sent, is TestPushSurvivesTwentyKills.
	t.Logf("%d reconnects after cuts in 14 runs; %d uploads whose answer was lost were found on the destination instead of sent again; %d left unknown along the way", cuts, found, unknown)
}
