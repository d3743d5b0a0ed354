package sync

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// startProxy puts a toxiproxy (as a library, in this process) between the
// engine and upstream, and returns it with the endpoint to use.
func startProxy(t *testing.T, upstream string) (*toxiproxy.Proxy, int) {
	t.Helper()
	zerolog.SetGlobalLevel(zerolog.Disabled) // the toxics log through the global logger, into the test's output
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "imap", "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	_, port, _ := strings.Cut(p.Listen, ":")
	n, _ := strconv.Atoi(port)
	return p, n
}

func addToxic(t *testing.T, p *toxiproxy.Proxy, json string) {
	t.Helper()
	if _, err := p.Toxics.AddToxicJson(strings.NewReader(json)); err != nil {
		t.Fatalf("toxic %s: %v", json, err)
	}
}

// eventLog records every progress event as text (for the canary check);
// onStored and onWaiting, when set, run once at the first such event.
type eventLog struct {
	traceLog
	onStored, onWaiting, onPlanned    func()
	storedOnce, waitOnce, plannedOnce gosync.Once
}

func (e *eventLog) Planned(mb string, n int, b int64) {
	e.add(fmt.Sprint("planned ", mb, n, b))
	if e.onPlanned != nil {
		e.plannedOnce.Do(e.onPlanned)
	}
}
func (e *eventLog) Folder(mb, f string) { e.add("folder " + mb + " " + f) }
func (e *eventLog) Stored(mb string, n int, b int64) {
	e.add(fmt.Sprint("stored ", mb, n, b))
	if e.onStored != nil {
		e.storedOnce.Do(e.onStored)
	}
}
func (e *eventLog) Problem(mb, f string, uid uint32, why string) {
	e.add(fmt.Sprint("problem ", mb, f, uid, why))
}
func (e *eventLog) Waiting(mb, why string) {
	e.add("waiting " + mb + " " + why)
	if e.onWaiting != nil {
		e.waitOnce.Do(e.onWaiting)
	}
}

func loadMixed(t *testing.T, d *testenv.Dovecot, user string, n int) {
	var msgs []testenv.Message
	for i := 0; i < n; i++ {
		raw := testenv.SimpleMessage(i, "fault")
		if i%9 == 0 {
			raw = append(raw, bytes.Repeat([]byte("0123456789abcdef attachment data\r\n"), 2500)...) // ~85 KB
		}
		msgs = append(msgs, testenv.Message{Raw: raw})
	}
	d.Load(t, user, "INBOX", msgs)
	d.Load(t, user, "Archive/Old", msgs[:n/2])
}

// Connections cut mid-literal, reset, sliced into tiny pieces or stalled:
// the pull retries and ends with 0 loss; no password reaches any event,
// error, trace or file.
func TestPullThroughNetworkFaults(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{Users: map[string]string{"alice": canaryPassword}})
	loadMixed(t, d, "alice", 120)
	src := snapshot(t, d, "alice")
	for _, tc := range []struct{ name, toxic string }{
		{"cut mid-literal every 150 KB", `{"type":"limit_data","stream":"downstream","attributes":{"bytes":150000}}`},
		{"reset mid-pull", ""},
		{"sliced and slow", `{"type":"slicer","stream":"downstream","attributes":{"average_size":300,"size_variation":200,"delay":50}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy, port := startProxy(t, d.Addr)
			var events eventLog
			if tc.toxic != "" {
				addToxic(t, proxy, tc.toxic)
			} else {
				// Reset every connection once the first batch is stored,
				// and let new ones through once the engine reports the wait.
				events.onStored = func() {
					addToxic(t, proxy, `{"name":"reset","type":"reset_peer","stream":"downstream","attributes":{"timeout":0}}`)
				}
				events.onWaiting = func() { proxy.Toxics.RemoveToxic(context.Background(), "reset") }
			}
			dir := t.TempDir()
			db, err := store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ep := endpointFor(d, d.Addr, store.SecurityPlain, "alice")
			ep.Port = port
			var trace traceLog
			ep.Trace = trace.add
			rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: "alice"}, Endpoint: ep}},
				PullOptions{BatchSize: 10, MaxConnections: 2, Backoff: 5 * time.Millisecond, Progress: &events})
			if err != nil || rep.Mailboxes[0].Err != "" {
				t.Fatalf("pull: %v %s", err, rep.Mailboxes[0].Err)
			}
			if n := compareStore(t, db, "alice", src); n != 180 {
				t.Fatalf("compared %d messages, want 180", n)
			}
			if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 {
				t.Fatalf("store check: %+v %v", res.Problems, err)
			}
			if tc.name != "sliced and slow" && !strings.Contains(events.all(), "waiting") {
				t.Errorf("no reconnect was reported: the toxic did not bite")
			}
			assertNoCanary(t, dir, trace.all(), events.all(), rep.Summary())
		})
	}
}

// A link that stalls completely: the command timeout cuts it, the error
// says so, and once the link is back the next pull completes.
func TestPullStalledLinkTimesOutThenResumes(t *testing.T) {
	src, proxy, db, boxes := proxiedMailbox(t)
	addToxic(t, proxy, `{"name":"stall","type":"timeout","stream":"downstream","attributes":{"timeout":0}}`)
	start := time.Now()
	rep, _ := Pull(context.Background(), db, boxes, PullOptions{Retries: 1, Backoff: 10 * time.Millisecond})
	if !strings.Contains(rep.Mailboxes[0].Err, "did not answer in time") || time.Since(start) > 15*time.Second {
		t.Fatalf("stalled link: %q after %v", rep.Mailboxes[0].Err, time.Since(start))
	}
	if err := proxy.Toxics.RemoveToxic(context.Background(), "stall"); err != nil {
		t.Fatal(err)
	}
	rep, err := Pull(context.Background(), db, boxes, PullOptions{})
	if err != nil || rep.Mailboxes[0].Err != "" {
		t.Fatalf("resume: %v %s", err, rep.Mailboxes[0].Err)
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != 60 {
		t.Fatalf("compared %d", n)
	}
}

// proxiedMailbox is a Dovecot mailbox of 60 mixed messages (its snapshot
// src) behind a toxiproxy, a store, and the mailbox to pull through the
// proxy with one-second timeouts.
func proxiedMailbox(t *testing.T) (map[string]map[uint32]srcMsg, *toxiproxy.Proxy, *store.DB, []PullMailbox) {
	t.Helper()
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	loadMixed(t, d, testenv.DefaultUser, 40)
	src := snapshot(t, d, testenv.DefaultUser)
	proxy, port := startProxy(t, d.Addr)
	ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
	ep.Port, ep.DialTimeout, ep.CommandTimeout = port, time.Second, time.Second
	return src, proxy, tempStore(t), []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, Endpoint: ep}}
}

// assertNoCanary fails when the password appears in any text or any file
// under dir.
func assertNoCanary(t *testing.T, dir string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, canaryPassword) {
			t.Fatal("the password appears in a trace, event or report")
		}
	}
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(canaryPassword)) {
			t.Errorf("the password appears in %s", path)
		}
		return nil
	})
}
