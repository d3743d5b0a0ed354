package sync

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// A server that rewrites messages on APPEND (adds a header: other bytes,
// other size) and a crash between its answers and our record: the journal
// holds intents only. The re-run recognises the rewritten uploads by
// Message-ID and INTERNALDATE among the UIDs at or above the recorded
// UIDNEXT and sends only the rest: no duplicate. Mail delivered meanwhile
// (its own date) is not taken for an upload; intents sharing a Message-ID
// and date with other bytes are claimed only when all of them landed.
func TestPushFindsUploadsTheServerRewrote(t *testing.T) {
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	day := time.Date(2024, 3, 4, 9, 15, 0, 0, time.UTC)
	raw := [][]byte{
		[]byte("From: a@x.test\r\nMessage-ID: <one@x>\r\nSubject: one\r\n\r\nbody one\r\n"),
		[]byte("From: a@x.test\r\nSubject: no id\r\n\r\nno Message-ID\r\n"),
		[]byte("From: a@x.test\r\nMessage-ID: <twin@x>\r\n\r\nfirst twin\r\n"), // same Message-ID and date,
		[]byte("From: a@x.test\r\nMessage-ID: <twin@x>\r\n\r\nother twin\r\n"), // other bytes
		testenv.SimpleMessage(5, "x"),
		testenv.SimpleMessage(6, "x"),
	}
	dates := []time.Time{day, day.Add(time.Hour), day.Add(2 * time.Hour), day.Add(2 * time.Hour), day.Add(3 * time.Hour), day.Add(4 * time.Hour)}
	var msgs []testenv.Message
	for i := range raw {
		msgs = append(msgs, testenv.Message{Raw: raw[i], Flags: []imap.Flag{imap.FlagSeen}, Date: dates[i]})
	}
	e.src.Load(t, testenv.DefaultUser, "Work", msgs)
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)

	// The state a crash leaves: the folder exists, every message has an
	// intent at the folder's UIDNEXT, and the server holds its rewritten
	// copies of the first four (the answers were never recorded).
	dest := e.dst.Mailbox("Work")
	c := e.dst.Dial(t, testenv.DefaultUser)
	if err := c.Create(dest, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(dest, &imap.StatusOptions{UIDNext: true, UIDValidity: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	states, _ := e.db.FolderStates(e.box)
	want, err := wantedMessages(e.db, e.box, states["Work"], dest)
	if err != nil || len(want) != len(raw) {
		t.Fatalf("%d stored, %v", len(want), err)
	}
	intents := map[store.PushKey]store.PushRecord{}
	for _, w := range want {
		intents[w.Key] = store.PushRecord{State: store.PushIntent, UIDValidity: st.UIDValidity, UIDNext: uint32(st.UIDNext),
			Size: w.Rec.Size, MessageID: w.Rec.MessageID, SourceUID: w.Rec.UID, At: time.Now().UTC()}
	}
	if err := e.db.RecordPush("p", testenv.DefaultUser, dest, nil, intents); err != nil {
		t.Fatal(err)
	}
	c.Close()
	var rewritten []testenv.Message
	for _, m := range msgs[:4] {
		m.Raw = append([]byte("X-Scanned-By: the new host\r\n"), m.Raw...)
		rewritten = append(rewritten, m)
	}
	delivered := testenv.Message{Raw: []byte("From: b@y.test\r\nSubject: new mail\r\n\r\nhello\r\n")} // no Message-ID, today's date
	e.dst.Load(t, testenv.DefaultUser, "Work", append(rewritten, delivered))

	rep := e.push(t, PushOptions{}, nil)
	tot := rep.Totals()
	if rep.Exceptions() || tot.Found != 4 || tot.Uploaded != 2 {
		t.Fatalf("found %d uploaded %d: %s", tot.Found, tot.Uploaded, rep.Summary())
	}
	if n := e.dst.Count(t, testenv.DefaultUser, "Work"); n != len(raw)+1 {
		t.Fatalf("%d messages on the destination, want %d (no duplicate) + the delivered one", n, len(raw)+1)
	}
	if again := e.push(t, PushOptions{}, nil); again.Totals().Uploaded+again.Totals().Found != 0 || again.Totals().Already != len(raw) {
		t.Fatalf("re-run: %s", again.Summary())
	}

	// Only one of the twins landed: which one is unknown, so neither is
	// claimed and both are sent (a reported duplicate, never a loss).
	res := resolution{confirmed: map[store.PushKey]uint32{}, tooBig: map[store.PushKey]bool{}, claimed: map[uint32]bool{}}
	recs := map[store.PushKey]store.PushRecord{}
	for _, w := range want[2:4] {
		recs[w.Key] = store.PushRecord{State: store.PushIntent, UIDValidity: 7, UIDNext: 10}
	}
	listing := []destMsg{{UID: 10, MessageID: want[2].Rec.MessageID, Date: want[2].Rec.InternalDate}}
	if got := res.claimRewritten(want, recs, 7, listing); len(got) != 0 {
		t.Fatalf("claimed %v with one copy for two different twins", got)
	}
	listing = append(listing, destMsg{UID: 11, MessageID: want[3].Rec.MessageID, Date: want[3].Rec.InternalDate})
	if got := res.claimRewritten(want, recs, 7, listing); len(got) != 2 {
		t.Fatalf("both twins landed: claimed %v", got)
	}
}
