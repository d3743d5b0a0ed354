package sync

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// A message over the size limit is listed and never sent; the mailbox
// that runs over its quota on the destination stops with the server's
// words while the other mailbox completes; nothing is recorded as copied
// that is not on the destination; the run ends "NOT complete", naming the
// stopped mailbox (a run whose only exceptions are messages over the limit
// ends "completed with exceptions": TestPushAppliesTheServersAppendLimit).
func TestPushSizeLimitAndQuota(t *testing.T) {
	users := map[string]string{"alice": "alice-Pw-1", "bob": "bob-Pw-2"}
	src := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: "/", Users: users})
	dst := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", Users: users, QuotaBytes: 150_000})
	pad := bytes.Repeat([]byte("quota filler line of text\r\n"), 370) // ~10 KB
	var alice []testenv.Message
	for i := 0; i < 40; i++ {
		alice = append(alice, testenv.Message{Raw: append(testenv.SimpleMessage(i, "alice"), pad...)})
	}
	big := append(testenv.SimpleMessage(99, "big"), bytes.Repeat(pad, 8)...) // ~80 KB
	src.Load(t, "alice", "INBOX", []testenv.Message{{Raw: big}})
	src.Load(t, "alice", "Archive", alice)
	var bob []testenv.Message
	for i := 0; i < 5; i++ {
		bob = append(bob, testenv.Message{Raw: testenv.SimpleMessage(i, "bob")})
	}
	src.Load(t, "bob", "INBOX", bob)

	db := newStoreWithProfile(t, "p", ProfileGeneric)
	var mbs []PushMailbox
	trace := &traceLog{}
	for _, u := range []string{"alice", "bob"} {
		pullOnce(t, db, src, u, nil)
		ep := endpointFor(dst, dst.Addr, store.SecurityPlain, u)
		ep.Trace = trace.add
		mbs = append(mbs, PushMailbox{Box: store.BoxKey{ProjectID: "p", MailboxID: u}, Endpoint: ep})
	}
	rep, err := Push(context.Background(), db, mbs, PushOptions{MaxMessageBytes: 50_000, Window: 4, MaxConnections: 2})
	if err != nil {
		t.Fatal(err)
	}
	a, b := rep.Mailboxes[0], rep.Mailboxes[1]
	if !strings.Contains(a.Err, "over its quota") || !strings.Contains(strings.ToLower(a.Err), "quota") {
		t.Fatalf("alice: %q", a.Err)
	}
	if b.Err != "" || len(b.Folders) != 1 || b.Folders[0].Uploaded != 5 {
		t.Fatalf("bob did not complete: %+v", b)
	}
	if !rep.Exceptions() || rep.Stopped() != 1 || !strings.Contains(rep.Summary(), "NOT complete: 1 of 2 mailbox(es) stopped") {
		t.Fatalf("summary: %s", rep.Summary())
	}
	if strings.Contains(trace.all(), fmt.Sprintf("{%d", len(big))) {
		t.Fatal("the message over the limit was sent")
	}
	var tooBig, overQuota, uploaded int
	for _, f := range a.Folders {
		tooBig += f.TooBig
		uploaded += f.Uploaded
		for _, p := range f.Problems {
			if p.Code == CodeOverQuota {
				overQuota++
				if !strings.Contains(strings.ToLower(p.Text), "quota") {
					t.Errorf("over-quota problem without the server's words: %+v", p)
				}
			}
		}
	}
	if tooBig != 1 || overQuota == 0 || uploaded == 0 || uploaded >= 40 {
		t.Fatalf("alice: %d too big, %d over quota, %d uploaded: %+v", tooBig, overQuota, uploaded, a.Folders)
	}
	// Windows of 4 go up as one MULTIAPPEND each, which is all or nothing:
	// a count that is not a multiple of 4 shows that the refused window
	// was sent again message by message, up to the quota.
	if uploaded%4 == 0 {
		t.Fatalf("alice: %d uploaded: the refused MULTIAPPEND was not split", uploaded)
	}
	// Every message the journal calls done is on the destination, and
	// the destination has nothing else.
	onDst := snapshot(t, dst, "alice")["INBOX.Archive"]
	_, recs, err := db.PushJournal("p", "alice", "INBOX.Archive")
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, r := range recs {
		if r.State == store.PushDone {
			done++
			if _, ok := onDst[r.UID]; !ok {
				t.Errorf("uid %d recorded as copied but not on the destination", r.UID)
			}
		}
	}
	if done != len(onDst) || done != uploaded {
		t.Fatalf("%d done in the journal, %d uploaded, %d on the destination", done, uploaded, len(onDst))
	}
	t.Logf("alice stopped after %d of 40 (quota), big message listed: %s", uploaded, rep.Summary())
}
