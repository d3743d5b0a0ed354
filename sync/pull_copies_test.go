package sync

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// The same message twice in a folder, copied to another folder, and in
// another mailbox (a circular to everyone) is stored once: each record
// points at one copy of the bytes, and the packs hold nothing else. Before,
// every later copy was written to a pack and left there unreferenced
// (verify called it the leftovers of an interrupted pull), and only a
// copy at a pack's very end was given back.
//
// One connection: a copy fetched on one connection while another fetches
// the same bytes, before either is indexed, is still stored twice (and
// counted as bytes of no message); on one connection every copy is in the
// batch, among the writer's recent bytes, or indexed.
func TestCopiesOfAMessageAreStoredOnce(t *testing.T) {
	users := map[string]string{"ann": "ann-Pw-1", "bob": "bob-Pw-1"}
	d := testenv.StartDovecot(t, testenv.DovecotOptions{Users: users})
	msgs := testenv.SimpleMessages(12, "circular")
	var distinct int64
	for _, m := range msgs {
		distinct += int64(len(m.Raw))
	}
	d.Load(t, "ann", "INBOX", append(append(msgs[:12:12], msgs[3], msgs[5]), msgs[3]))
	d.Load(t, "ann", "Archive", msgs[:6])
	d.Load(t, "bob", "INBOX", msgs)
	const records = 12 + 3 + 6 + 12

	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	compared := 0
	for _, user := range []string{"ann", "bob"} {
		before := snapshot(t, d, user)
		ep := endpointFor(d, d.Addr, store.SecurityPlain, user)
		// Batches of 4: copies land in the same batch, in another batch
		// of the same FETCH, and in another folder's FETCH.
		rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: user}, Endpoint: ep}}, PullOptions{BatchSize: 4, MaxConnections: 1})
		if err != nil || rep.Mailboxes[0].Err != "" {
			t.Fatalf("pull %s: %v %s", user, err, rep.Summary())
		}
		compared += compareStore(t, db, user, before)
	}
	if compared != records {
		t.Fatalf("%d messages compared, want %d", compared, records)
	}
	res, err := db.Check(context.Background(), nil)
	if err != nil || len(res.Problems) > 0 || res.Records != records {
		t.Fatalf("store check: %d records, problems %+v, %v", res.Records, res.Problems, err)
	}
	if res.Unreferenced != 0 {
		t.Errorf("%d bytes of the packs belong to no message", res.Unreferenced)
	}
	var packed int64
	entries, _ := os.ReadDir(filepath.Join(dir, "packs"))
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			packed += info.Size()
		}
	}
	if packed != distinct {
		t.Errorf("the packs hold %d bytes for %d bytes of distinct messages", packed, distinct)
	}
}
