package sync

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// startBusyFront answers the first refuse connections with a throttling
// BYE greeting that suggests a wait, then forwards later ones to upstream.
func startBusyFront(t *testing.T, upstream string, refuse int32, bye string) (port int, refused *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	refused = &atomic.Int32{}
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			if refused.Add(1) <= refuse {
				io.WriteString(down, bye+"\r\n")
				down.Close()
				continue
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				down.Close()
				continue
			}
			go func() { io.Copy(up, down); up.Close() }()
			go func() { io.Copy(down, up); down.Close() }()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, refused
}

// A server that throttles with "* BYE [UNAVAILABLE] ... try again in N
// seconds" is waited for as long as it asks (not the much shorter
// configured backoff), then the pull completes with nothing lost.
func TestThrottlingByeSuggestedWaitIsHonoured(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	loadMixed(t, d, testenv.DefaultUser, 40)
	src := snapshot(t, d, testenv.DefaultUser)
	port, refused := startBusyFront(t, d.Addr, 1, "* BYE [UNAVAILABLE] Server busy, try again in 2 seconds")
	ep := endpointFor(d, "127.0.0.1:"+strconv.Itoa(port), store.SecurityPlain, testenv.DefaultUser)
	db := tempStore(t)
	var events eventLog
	start := time.Now()
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, Endpoint: ep}},
		PullOptions{Backoff: 10 * time.Millisecond, MaxConnections: 2, Progress: &events})
	elapsed := time.Since(start)
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	if refused.Load() < 2 {
		t.Fatal("the front never refused a connection: the test proves nothing")
	}
	if !strings.Contains(events.all(), "trying again in 2s") || elapsed < 2*time.Second {
		t.Fatalf("the suggested 2 s wait was not honoured (took %v):\n%s", elapsed, events.all())
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 60 {
		t.Fatalf("compared %d of 60", n)
	}
}
