package sync

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
)

// The link stalls in the middle of a FETCH (the server's bytes stop, the
// connection stays open): the pull's watchdog cuts it after the command
// timeout instead of waiting for ever, the folder is retried and, with the
// link still dead, reported as "did not answer in time" with what was
// committed kept; once the link is back a resumed pull completes the copy,
// every message once.
func TestPullStallInTheMiddleOfAFetchIsCut(t *testing.T) {
	src, proxy, db, boxes := proxiedMailbox(t)
	// A slow link, so that the FETCH is still streaming when it stalls
	// (on loopback the whole reply would sit in the socket buffers).
	addToxic(t, proxy, `{"name":"slow","type":"bandwidth","stream":"downstream","attributes":{"rate":200}}`)
	stalled := make(chan error, 1)
	events := eventLog{onStored: func() {
		// The first group commit is in: the FETCH goes on streaming.
		_, err := proxy.Toxics.AddToxicJson(strings.NewReader(`{"name":"stall","type":"timeout","stream":"downstream","attributes":{"timeout":0}}`))
		stalled <- err
	}}
	start := time.Now()
	rep, _ := Pull(context.Background(), db, boxes, PullOptions{BatchSize: 5, MaxConnections: 1, Retries: 1, Backoff: 10 * time.Millisecond, Progress: &events})
	took := time.Since(start)
	select {
	case err := <-stalled:
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatal("the link was never stalled: the test proves nothing")
	}
	stored, _, _, _, _ := rep.Counts()
	if !strings.Contains(rep.Mailboxes[0].Err, "did not answer in time") || took > 20*time.Second || stored == 0 || stored >= 60 {
		t.Fatalf("stalled mid-fetch: %q after %v, %d stored", rep.Mailboxes[0].Err, took, stored)
	}
	for _, toxic := range []string{"stall", "slow"} {
		if err := proxy.Toxics.RemoveToxic(context.Background(), toxic); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Pull(context.Background(), db, boxes, PullOptions{})
	if err != nil || rep.Mailboxes[0].Err != "" {
		t.Fatalf("resume: %v %s", err, rep.Mailboxes[0].Err)
	}
	again, _, _, _, _ := rep.Counts()
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 60 || stored+again != 60 {
		t.Fatalf("compared %d; stored %d then %d (want 60 in all, none twice)", n, stored, again)
	}
}
