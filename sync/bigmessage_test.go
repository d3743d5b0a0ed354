package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// heapPeak samples the bytes of heap objects (live and not yet swept)
// every few milliseconds until stop is called, and returns the most seen
// above what there was at the start.
func heapPeak() (stop func() int64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() int64 { metrics.Read(sample); return int64(sample[0].Value.Uint64()) }
	runtime.GC()
	base := read()
	done, out := make(chan struct{}), make(chan int64, 1)
	go func() {
		peak := base
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				out <- peak - base
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 { close(done); return <-out }
}

// RELIABILITY.md scenario 20: a 150 MB message over a slow link is pulled
// and pushed whole, byte for byte, and memory stays flat: the body streams
// through fixed buffers on both legs, so neither holds more than a few MB
// of it however large it is.
func TestA150MBMessageOverASlowLinkWithFlatMemory(t *testing.T) {
	const size = 150 << 20
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	// The message is written to a file, never built in memory: under the
	// race detector 150 MB take 20 s to allocate and fill.
	path := filepath.Join(t.TempDir(), "big.eml")
	want, bigLen := writeBigMessage(t, path, size)
	date := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	msgs := []testenv.Message{{Raw: testenv.SimpleMessage(2, "small"), Date: date}, {File: path, Date: date}, {Raw: testenv.SimpleMessage(3, "small"), Date: date}}
	wantOnDest := map[string]int{fmt.Sprintf("%x %d", want[:], date.Unix()): 1}
	for _, m := range []testenv.Message{msgs[0], msgs[2]} {
		wantOnDest[fmt.Sprintf("%x %d", sha256.Sum256(m.Raw), date.Unix())]++
	}
	if err := e.src.LoadMaildir(testenv.DefaultUser, "INBOX", msgs); err != nil {
		t.Fatal(err)
	}

	// A slow link both ways: 40 MB/s, 20 ms of latency.
	slow := func(upstream string, stream string) int {
		proxy, port := startProxy(t, upstream)
		addToxic(t, proxy, fmt.Sprintf(`{"type":"bandwidth","stream":%q,"attributes":{"rate":40960}}`, stream))
		addToxic(t, proxy, `{"type":"latency","stream":"downstream","attributes":{"latency":20}}`)
		return port
	}
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	ep := endpointFor(e.src, e.src.Addr, store.SecurityPlain, testenv.DefaultUser)
	ep.Port = slow(e.src.Addr, "downstream")

	stop := heapPeak()
	rep, err := Pull(context.Background(), e.db, []PullMailbox{{Box: e.box, Endpoint: ep}}, PullOptions{})
	pulled := stop()
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	if stored, _, _, _, _ := rep.Counts(); stored != 3 {
		t.Fatalf("stored %d of 3", stored)
	}
	rc, err := e.db.OpenMessage(want)
	if err != nil {
		t.Fatalf("the 150 MB message is not in the store under its hash: %v", err)
	}
	h := sha256.New()
	n, _ := io.Copy(h, rc)
	rc.Close()
	if n != bigLen || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatalf("the stored copy is %d bytes and differs from the source's %d", n, bigLen)
	}

	dst := e.dstEndpoint()
	dst.Port = slow(e.dst.Addr, "upstream")
	stop = heapPeak()
	prep, err := Push(context.Background(), e.db, []PushMailbox{{Box: e.box, Endpoint: dst}}, PushOptions{})
	pushed := stop()
	if err != nil || prep.Exceptions() {
		t.Fatalf("push: %v %s", err, prep.Summary())
	}
	t.Logf("heap above the start: %.1f MB while pulling, %.1f MB while pushing a %d MB message", float64(pulled)/1e6, float64(pushed)/1e6, bigLen>>20)
	for leg, grew := range map[string]int64{"pull": pulled, "push": pushed} {
		if grew > 24<<20 {
			t.Errorf("the %s's heap grew by %d MB for one %d MB message: it is not streaming", leg, grew>>20, bigLen>>20)
		}
	}
	// Each message once on the destination, byte for byte, with its date
	// (read as a stream: the test holds no 150 MB copy either).
	if got := digests(t, e.dst, testenv.DefaultUser, "INBOX"); fmt.Sprint(got) != fmt.Sprint(wantOnDest) {
		t.Fatalf("on the destination: %v, want %v", got, wantOnDest)
	}
}

// writeBigMessage writes a message of at least size bytes (a header and a
// base64-looking body) to path, and returns its SHA-256 and length.
func writeBigMessage(t *testing.T, path string, size int) (store.Hash, int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	w := io.MultiWriter(f, h)
	n, _ := io.WriteString(w, "From: Sender <sender@example.test>\r\nTo: alice@example.test\r\nSubject: the scans\r\nMessage-ID: <scans@example.test>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	block := bytes.Repeat([]byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"), 1<<20/78)
	total := int64(n)
	for total < int64(size) {
		m, err := w.Write(block)
		if err != nil {
			t.Fatal(err)
		}
		total += int64(m)
	}
	var sum store.Hash
	copy(sum[:], h.Sum(nil))
	return sum, total
}

// digests counts a folder's messages by SHA-256 of their bytes and
// INTERNALDATE, streaming each body into the hash.
func digests(t *testing.T, d *testenv.Dovecot, user, folder string) map[string]int {
	t.Helper()
	c := d.Dial(t, user)
	defer c.Close()
	if _, err := c.Select(d.Mailbox(folder), &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	cmd := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var date time.Time
		h := sha256.New()
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataInternalDate:
				date = it.Time
			case imapclient.FetchItemDataBodySection:
				io.Copy(h, it.Literal)
			}
		}
		out[fmt.Sprintf("%x %d", h.Sum(nil), date.Unix())]++
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}
