package sync

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// Planning asks every folder's STATUS in one pipelined stream: behind a
// link with 40 ms of latency each way, 30 folders are counted in a few
// round trips (one at a time they would take 30 × 80 ms = 2.4 s), and
// every folder gets its own answer.
func TestStatusOfEveryFolderIsPipelined(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	const folders = 30
	for i := 0; i < folders; i++ {
		name := fmt.Sprintf("Folder %02d", i)
		d.MustDoveadm(t, "mailbox", "create", "-u", testenv.DefaultUser, name)
		if i%10 == 0 {
			var msgs []testenv.Message
			for j := 0; j <= i; j++ {
				msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(j, "status")})
			}
			d.Load(t, testenv.DefaultUser, name, msgs)
		}
	}
	proxy, port := startProxy(t, d.Addr)
	addToxic(t, proxy, `{"type":"latency","stream":"downstream","attributes":{"latency":40}}`)
	addToxic(t, proxy, `{"type":"latency","stream":"upstream","attributes":{"latency":40}}`)
	ep := endpointFor(d, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), store.SecurityPlain, testenv.DefaultUser)
	ctx := context.Background()
	c, err := Dial(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := c.Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.statusAll(ctx, &info); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	const rtt = 80 * time.Millisecond
	if took > 6*rtt {
		t.Errorf("STATUS of %d folders took %v: more than 6 round trips of %v, so not pipelined", len(info.Folders), took, rtt)
	}
	seen := 0
	for _, f := range info.Folders {
		var i int
		if _, err := fmt.Sscanf(f.Name, "Folder %02d", &i); err != nil {
			continue
		}
		seen++
		want := 0
		if i%10 == 0 {
			want = i + 1
		}
		if f.UIDValidity == 0 || f.Messages != want || f.UIDNext != uint32(want+1) {
			t.Errorf("%s: %d messages, UIDVALIDITY %d, UIDNEXT %d; want %d messages", f.Name, f.Messages, f.UIDValidity, f.UIDNext, want)
		}
	}
	if seen != folders {
		t.Fatalf("counted %d of %d folders", seen, folders)
	}
	t.Logf("STATUS of %d folders behind a %v round trip: %v", len(info.Folders), rtt, took)
}
