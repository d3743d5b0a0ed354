package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

func (e *pushEnv) reconcile(t *testing.T, sample int) Reconciliation {
	t.Helper()
	src := endpointFor(e.src, e.src.Addr, store.SecurityPlain, testenv.DefaultUser)
	rec, err := Reconcile(context.Background(), e.db, []ReconcileMailbox{{Box: e.box, Source: src, Dest: e.dstEndpoint()}}, ReconcileOptions{Sample: sample})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Mailboxes[0].Err != "" {
		t.Fatalf("reconcile: %s", rec.Mailboxes[0].Err)
	}
	return rec
}

func issuesWith(rec Reconciliation, pick func(FolderReconcile) []Issue, code string) int {
	n := 0
	for _, m := range rec.Mailboxes {
		for _, f := range m.Folders {
			for _, i := range pick(f) {
				if i.Code == code {
					n++
				}
			}
		}
	}
	return n
}

// After a push: a folder excluded, mail arriving at the source, a pushed
// message deleted on the destination, a stranger's message and a changed
// flag there. Reconciliation names each with its reason, compares every
// message byte for byte and every date, and refuses the verdict; after a
// delta (pull + push) the verdict is "all N messages are on the destination".
func TestReconcileExplainsEveryDifference(t *testing.T) {
	e := newPushEnv(t, styleSlash, styleDot, 1)
	if _, _, err := SetFolderOverride(e.db, "p", testenv.DefaultUser, Override{Source: "Junk", Exclude: true}); err != nil {
		t.Fatal(err)
	}
	if rep := e.push(t, PushOptions{}, nil); rep.Totals().Uploaded != 95 {
		t.Fatalf("push: %s", rep.Summary())
	}
	if rec := e.reconcile(t, -1); !rec.OK() || rec.Totals().Matched != 95 || rec.Totals().Sampled != 95 || rec.Totals().Skipped != 3 {
		t.Fatalf("after the push: %s %+v", rec.Verdict(), rec.Totals())
	}
	e.src.Load(t, testenv.DefaultUser, "INBOX", []testenv.Message{{Raw: testenv.SimpleMessage(500, "late")}, {Raw: testenv.SimpleMessage(501, "late")}})
	c := e.dst.Dial(t, testenv.DefaultUser)
	if _, err := c.Select(e.dst.Mailbox("Archive/2024"), nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{"$Reviewed"}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	e.dst.Load(t, testenv.DefaultUser, "INBOX", []testenv.Message{{Raw: testenv.SimpleMessage(900, "stranger")}})

	rec := e.reconcile(t, -1)
	tot := rec.Totals()
	missing := func(f FolderReconcile) []Issue { return f.Missing }
	if rec.OK() || strings.HasPrefix(rec.Verdict(), "all ") || tot.Missing != 3 ||
		issuesWith(rec, missing, CodeLate) != 2 || issuesWith(rec, missing, CodeNotPushed) != 1 {
		t.Fatalf("verdict %q, totals %+v", rec.Verdict(), tot)
	}
	if tot.Extra != 1 || tot.FlagsDiffer != 1 || tot.Mismatched != 0 || tot.Matched != 94 || tot.Sampled != 94 {
		t.Fatalf("totals %+v", tot)
	}
	if issuesWith(rec, func(f FolderReconcile) []Issue { return f.Skipped }, CodeExcluded) != 3 {
		t.Fatalf("excluded folder not listed: %+v", tot)
	}

	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	if rep := e.push(t, PushOptions{}, nil); rep.Totals().Uploaded != 3 || rep.Exceptions() {
		t.Fatalf("delta push: %s", rep.Summary())
	}
	rec = e.reconcile(t, 5)
	if !rec.OK() || rec.Verdict() != "all 97 messages are on the destination (3 skipped on purpose, listed with reasons); 31 compared byte for byte" {
		t.Fatalf("after the delta: %q %+v", rec.Verdict(), rec.Totals())
	}
}

// The byte-for-byte comparison catches one changed byte and a truncation.
func TestSampleComparisonIsByteExact(t *testing.T) {
	db := newStoreWithProfile(t, "p", ProfileGeneric)
	raw := bytes.Repeat([]byte("0123456789abcdef\r\n"), 5000) // spans several compare buffers
	h := storeMessage(t, db, store.BoxKey{ProjectID: "p", MailboxID: "a"}, bytes.NewReader(raw), int64(len(raw)))
	r := &reconcileFolderState{db: db}
	w := wantMsg{Key: store.PushKey{Hash: h}, Rec: store.MessageRecord{UID: 1}}
	changed := append([]byte(nil), raw...)
	changed[70000] ^= 1
	for name, tc := range map[string]struct {
		body []byte
		same bool
	}{"identical": {raw, true}, "one bit": {changed, false}, "truncated": {raw[:len(raw)-1], false}, "longer": {append(append([]byte(nil), raw...), 'x'), false}} {
		got, err := r.sameBytes(w, bytes.NewReader(tc.body))
		if err != nil || got != tc.same {
			t.Errorf("%s: same=%v err=%v", name, got, err)
		}
	}
}

// Without a fresh look at the source, the last inventory stands in: a
// source that counted more than the store holds is never reported as
// complete.
func TestReconcileWithoutSourceTrustsTheLastInventory(t *testing.T) {
	e := newPushEnv(t, styleDot, styleSlash, 1)
	e.push(t, PushOptions{}, nil)
	e.src.Load(t, testenv.DefaultUser, "INBOX", []testenv.Message{{Raw: testenv.SimpleMessage(600, "late")}})
	info := probeInventory(t, endpointFor(e.src, e.src.Addr, store.SecurityPlain, testenv.DefaultUser))
	raw, _ := json.Marshal(info)
	if err := e.db.AddSnapshot("p", SnapshotSourceInventory+testenv.DefaultUser, time.Now(), raw); err != nil {
		t.Fatal(err)
	}
	rec, err := Reconcile(context.Background(), e.db, []ReconcileMailbox{{Box: e.box, Dest: e.dstEndpoint()}}, ReconcileOptions{})
	if err != nil || rec.OK() || rec.Totals().Missing != 1 || rec.Totals().Matched != 98 {
		t.Fatalf("%v %q %+v", err, rec.Verdict(), rec.Totals())
	}
	if rec.Mailboxes[0].Folders[0].SourceFresh || rec.Mailboxes[0].Folders[0].Missing[0].Code != CodeLate {
		t.Fatalf("%+v", rec.Mailboxes[0].Folders[0])
	}
}

func probeInventory(t *testing.T, ep Endpoint) ServerInfo {
	t.Helper()
	c, err := Dial(context.Background(), ep)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := c.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// The sample is spread over the folder as it goes by: n picks, evenly, all
// of them matched messages; a pick due at an unmatched message goes to the
// next matched one.
func TestSamplerSpreadsPicksOverTheFolder(t *testing.T) {
	pickAt := func(count, n int, matched func(int) bool) []int {
		s := newSampler(count, n)
		var out []int
		for i := 0; i < count; i++ {
			if s.next(matched(i)) {
				out = append(out, i)
			}
		}
		return out
	}
	all := func(int) bool { return true }
	if got := fmt.Sprint(pickAt(10, 5, all)); got != "[0 2 4 6 8]" {
		t.Errorf("5 of 10: %s", got)
	}
	if got := fmt.Sprint(pickAt(10, -1, func(i int) bool { return i != 3 })); got != "[0 1 2 4 5 6 7 8 9]" {
		t.Errorf("all of 10 but one unmatched: %s", got)
	}
	if got := fmt.Sprint(pickAt(10, 3, func(i int) bool { return i >= 5 })); got != "[5 6 7]" {
		t.Errorf("3 of 10, the first half unmatched: %s", got)
	}
	if got := pickAt(10, 0, all); len(got) != 0 {
		t.Errorf("a sample of 0 picked %v", got)
	}
	if got := pickAt(1000, 7, all); len(got) != 7 {
		t.Errorf("7 of 1000: %v", got)
	}
}
