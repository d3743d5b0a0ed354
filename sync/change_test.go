package sync

import (
	"context"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

func pullWith(t *testing.T, db *store.DB, ep Endpoint, mailbox string) Report {
	t.Helper()
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: mailbox}, Endpoint: ep}}, PullOptions{BatchSize: 8})
	if err != nil || rep.Mailboxes[0].Err != "" {
		t.Fatalf("pull: %v %s", err, rep.Mailboxes[0].Err)
	}
	return rep
}

func folderReport(rep Report, name string) FolderReport {
	for _, f := range rep.Mailboxes[0].Folders {
		if f.Folder == name {
			return f
		}
	}
	return FolderReport{}
}

// UIDVALIDITY forced to change: detected, the old map kept aside, every
// known message recognised by content with no body fetched, except the
// ambiguous pair (same Message-ID, size and date, different bodies), which
// is fetched again rather than guessed.
func TestUIDValidityChangeReMatchesByContent(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	date := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	var msgs []testenv.Message
	for i := 0; i < 25; i++ {
		msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(i, "uv"), Date: date.Add(time.Duration(i) * time.Minute)})
	}
	twin := "From: a@example.test\r\nSubject: twin\r\nMessage-ID: <twin@example.test>\r\n\r\nBody %s\r\n"
	msgs = append(msgs, testenv.Message{Raw: []byte(strings.Replace(twin, "%s", "A", 1)), Date: date},
		testenv.Message{Raw: []byte(strings.Replace(twin, "%s", "B", 1)), Date: date})
	d.Load(t, testenv.DefaultUser, "INBOX", msgs)
	db := tempStore(t)
	ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
	if f := folderReport(pullWith(t, db, ep, testenv.DefaultUser), "INBOX"); f.Stored != 27 {
		t.Fatalf("first pull: %+v", f)
	}
	d.MustDoveadm(t, "mailbox", "update", "-u", testenv.DefaultUser, "--uid-validity", "4242", "INBOX")
	var trace traceLog
	ep.Trace = trace.add
	f := folderReport(pullWith(t, db, ep, testenv.DefaultUser), "INBOX")
	if !f.UIDValidityChanged || f.Rematched != 25 || f.Stored != 2 {
		t.Fatalf("after the UIDVALIDITY change: %+v", f)
	}
	if n := strings.Count(trace.all(), "BODY.PEEK[]"); n != 1 {
		t.Fatalf("%d body fetches after the change, want 1 (the ambiguous pair):\n%s", n, trace.all())
	}
	aside, _ := db.AsideRecords(store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, "INBOX")
	if len(aside) != 27 {
		t.Fatalf("%d records kept aside, want 27", len(aside))
	}
	compareStore(t, db, testenv.DefaultUser, snapshot(t, d, testenv.DefaultUser))
	v, err := VerifyOffline(context.Background(), db, "p", nil)
	if err != nil || !v.OK() {
		t.Fatalf("verify: %s %v", v.Verdict(), err)
	}
}

// After a renumbering, a message that arrived meanwhile with the metadata
// of one deleted meanwhile (no Message-ID, the same size, the same second:
// two short notes) is not taken for it: its header differs, so it is
// fetched, and the new UID never points at the deleted message's bytes.
// Matching by metadata alone indexed it with the old message's content.
func TestRematchTellsApartMessagesWithEqualMetadata(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	date := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	note := func(subject string) testenv.Message {
		return testenv.Message{Raw: []byte("From: a@example.test\r\nSubject: " + subject + "\r\n\r\nsame words\r\n"), Date: date}
	}
	msgs := []testenv.Message{note("note A")}
	for i := 0; i < 10; i++ {
		msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(i, "meta"), Date: date.Add(time.Duration(i+1) * time.Minute)})
	}
	d.Load(t, testenv.DefaultUser, "INBOX", msgs)
	db := tempStore(t)
	ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
	if f := folderReport(pullWith(t, db, ep, testenv.DefaultUser), "INBOX"); f.Stored != 11 {
		t.Fatalf("first pull: %+v", f)
	}
	d.MustDoveadm(t, "expunge", "-u", testenv.DefaultUser, "mailbox", "INBOX", "uid", "1")
	d.Load(t, testenv.DefaultUser, "INBOX", []testenv.Message{note("note B")}) // as long as note A
	d.MustDoveadm(t, "mailbox", "update", "-u", testenv.DefaultUser, "--uid-validity", "4343", "INBOX")
	f := folderReport(pullWith(t, db, ep, testenv.DefaultUser), "INBOX")
	if !f.UIDValidityChanged || f.Rematched != 10 || f.Stored != 1 {
		t.Fatalf("after the renumbering: %+v (want 10 re-matched, note B fetched)", f)
	}
	if n := compareStore(t, db, testenv.DefaultUser, snapshot(t, d, testenv.DefaultUser)); n != 11 {
		t.Fatalf("%d messages compared, want 11", n)
	}
}

// Messages expunged by another client while the pull fetches them are
// recorded as vanished (or never listed), never stored empty; the rest are
// stored exactly.
func TestConcurrentExpungeDuringFetch(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	msgs := testenv.SimpleMessages(30, "expunge")
	d.Load(t, testenv.DefaultUser, "INBOX", msgs)
	db := tempStore(t)
	ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
	var once gosync.Once
	ep.Trace = func(line string) {
		if strings.Contains(line, "BODY.PEEK[]") { // the FETCH is on its way: expunge under it
			once.Do(func() { d.MustDoveadm(t, "expunge", "-u", testenv.DefaultUser, "mailbox", "INBOX", "uid", "3:5") })
		}
	}
	rep := pullWith(t, db, ep, testenv.DefaultUser)
	f := folderReport(rep, "INBOX")
	box := store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	states, _ := db.FolderStates(box)
	stored := map[uint32]int64{}
	db.ForEachMessage(box, "INBOX", states["INBOX"].UIDValidity, func(m store.MessageRecord) error { stored[m.UID] = m.Size; return nil })
	for uid, size := range stored {
		if size == 0 {
			t.Errorf("uid %d stored empty", uid)
		}
		if uid >= 3 && uid <= 5 {
			t.Errorf("expunged uid %d stored", uid)
		}
	}
	if len(stored) != 27 || f.Failed != 0 || f.Vanished != 3 {
		t.Fatalf("%d stored, report %+v", len(stored), f)
	}
	compareStore(t, db, testenv.DefaultUser, snapshot(t, d, testenv.DefaultUser))
	if v, err := VerifyOffline(context.Background(), db, "p", nil); err != nil || !v.OK() {
		t.Fatalf("verify: %s %+v %v", v.Verdict(), v.Folders, err)
	}
	t.Logf("expunged during fetch: %d reported vanished", f.Vanished)
}

// Folder names of every awkward kind and messages with no Message-ID,
// duplicate Message-IDs, byte-identical duplicates, 8-bit bytes and broken
// MIME: all stored byte-exact under the right folder, on both separators.
func TestFolderTortureAndOddMessagesByteExact(t *testing.T) {
	odd := [][]byte{
		[]byte("From: x@example.test\r\nSubject: no id\r\n\r\nno Message-ID here\r\n"),
		[]byte("From: x@example.test\r\nMessage-ID: <same@x>\r\n\r\nfirst body\r\n"),
		[]byte("From: x@example.test\r\nMessage-ID: <same@x>\r\n\r\nsecond, different body\r\n"),
		[]byte("From: x@example.test\r\nMessage-ID: <dup@x>\r\n\r\nidentical\r\n"),
		[]byte("From: x@example.test\r\nMessage-ID: <dup@x>\r\n\r\nidentical\r\n"),
		[]byte("From: \xe9t\xe9@example.test\r\nSubject: 8-bit \xff\xfe header\r\n\r\nLatin-1 caf\xe9 body \x80\x81\r\n"),
		[]byte("Content-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n--wrong\r\nbroken MIME\r\n--nope\r\nContent-Type: text/plain\r\n"),
		[]byte("Subject: trailing spaces   \r\n\tfolded\r\n\r\nbody without final newline"),
	}
	for _, o := range []testenv.DovecotOptions{{Separator: "/"}, {Separator: ".", Prefix: "INBOX."}} {
		t.Run("separator "+o.Separator, func(t *testing.T) {
			d := testenv.StartDovecot(t, o)
			other := map[string]string{"/": "dotted.name", ".": "slashed/name"}[o.Separator]
			for _, folder := range []string{"INBOX", "Café & Co", "日本語/メール", "A&B", "with  two spaces", "&-literal", other} {
				var msgs []testenv.Message
				for _, raw := range odd {
					msgs = append(msgs, testenv.Message{Raw: raw})
				}
				d.Load(t, testenv.DefaultUser, folder, msgs)
			}
			src := snapshot(t, d, testenv.DefaultUser)
			db := tempStore(t)
			pullWith(t, db, endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser), testenv.DefaultUser)
			if n := compareStore(t, db, testenv.DefaultUser, src); n != 7*len(odd) {
				t.Fatalf("compared %d of %d (folders %d)", n, 7*len(odd), len(src))
			}
			if v, err := VerifyOffline(context.Background(), db, "p", nil); err != nil || !v.OK() {
				t.Fatalf("verify: %s %v", v.Verdict(), err)
			}
		})
	}
}
