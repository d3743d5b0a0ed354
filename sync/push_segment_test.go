package sync

import (
	"crypto/sha256"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// Every push test cuts its folders into segments of four messages, so
// that what a push carries from one segment to the next (claimed UIDs,
// ordinals of equal copies, intents, the UIDNEXT bound, the report) is
// exercised by every scenario, not only by folders of over 5,000
// messages. Children started by kill tests inherit the size through the
// environment.
func init() { pushSegment = atoiOr(os.Getenv("MAILSHIFT_PUSH_SEGMENT"), 4) }

// segments sets the segment size for one test and the children it starts:
// tests about how one folder's upload is split over sessions or windows
// need segments of many windows, as real ones are.
func segments(t *testing.T, n int) {
	old := pushSegment
	pushSegment = n
	t.Setenv("MAILSHIFT_PUSH_SEGMENT", strconv.Itoa(n))
	t.Cleanup(func() { pushSegment = old })
}

// A folder of several segments whose byte-identical copies lie in
// different segments, some of them (and another message of a later
// segment) already on the destination: the copies keep their multiplicity
// (each segment numbers its copies after the earlier segments' ones), what
// is there is found and not sent again, a re-run sends nothing, and a
// message added at the source later is the only one sent after a delta.
func TestPushCarriesAFolderOverSegments(t *testing.T) {
	twin := []byte("From: a@x.test\r\nMessage-ID: <twin@x>\r\nSubject: twin\r\n\r\nthe same bytes\r\n")
	var msgs []testenv.Message
	for i := 0; i < 23; i++ {
		raw := testenv.SimpleMessage(i, "seg")
		if i == 1 || i == 6 || i == 14 { // segments 1, 2 and 4 of four messages
			raw = twin
		}
		// One fixed INTERNALDATE: the destination's copies of messages 6
		// and 18 are loaded later, and the check below compares dates; the
		// server's clock would split them when the loads straddle a second.
		// (The twins share it, so which copy is found does not matter.)
		date := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
		msgs = append(msgs, testenv.Message{Raw: raw, Flags: []imap.Flag{imap.FlagSeen}, Date: date})
	}
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	e.src.Load(t, testenv.DefaultUser, "Work", msgs)
	// The destination has one twin and message 18 (segment 5) already.
	e.dst.Load(t, testenv.DefaultUser, "Work", []testenv.Message{msgs[6], msgs[18]})
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)

	rep := e.push(t, PushOptions{Window: 3}, nil)
	var work PushFolderReport
	for _, f := range rep.Mailboxes[0].Folders {
		if f.Source == "Work" {
			work = f
		}
	}
	if rep.Exceptions() || work.Wanted != 23 || work.Found != 2 || work.Uploaded != 21 {
		t.Fatalf("first push: %s %+v", rep.Summary(), work)
	}
	e.assertDestMatchesSource(t)
	twins := 0
	for _, m := range snapshot(t, e.dst, testenv.DefaultUser)["INBOX.Work"] {
		if m.hash == sha256.Sum256(twin) {
			twins++
		}
	}
	if twins != 3 {
		t.Fatalf("%d copies of the twin on the destination, want 3", twins)
	}

	again := e.push(t, PushOptions{Window: 3}, nil)
	for _, f := range again.Mailboxes[0].Folders {
		if !f.Unchanged || f.Already != f.Wanted {
			t.Fatalf("re-run: %s %+v", again.Summary(), f)
		}
	}

	e.src.Load(t, testenv.DefaultUser, "Work", []testenv.Message{{Raw: testenv.SimpleMessage(99, "late")}, {Raw: twin}})
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	delta := e.push(t, PushOptions{Window: 3}, nil)
	if tot := delta.Totals(); delta.Exceptions() || tot.Uploaded != 2 || tot.Found != 0 {
		t.Fatalf("after a delta: %s", delta.Summary())
	}
	e.assertDestMatchesSource(t)
}

// The walk hands out each message of the snapshot once: a message the
// snapshot does not have, or one copy more than it had, means the folder's
// stored messages changed under the push.
func TestFolderSnapshotRefusesWhatItDidNotSee(t *testing.T) {
	a, b, c := store.Hash{1}, store.Hash{1, 0, 0, 0, 0, 0, 0, 0, 7}, store.Hash{2}
	s := &folderSnapshot{prefixes: []uint64{hashPrefix(a), hashPrefix(b), hashPrefix(c)}}
	slices.Sort(s.prefixes)
	s.taken = make([]uint64, 1)
	if shared, ok := s.take(c); !ok || shared {
		t.Fatalf("c: shared %v ok %v", shared, ok)
	}
	if _, ok := s.take(c); ok {
		t.Fatal("a second c was handed out")
	}
	// a and b share their first 8 bytes: both are counted by full hash.
	for _, h := range []store.Hash{a, b} {
		if shared, ok := s.take(h); !ok || !shared {
			t.Fatalf("%x: shared %v ok %v", h[:9], shared, ok)
		}
	}
	if _, ok := s.take(a); ok {
		t.Fatal("a third message with a's prefix was handed out")
	}
	if _, ok := s.take(store.Hash{3}); ok {
		t.Fatal("a message the snapshot never saw was handed out")
	}
}

// wantedMessages is every stored message of a folder with its push key
// for destination folder dest, as a push's segments hand them out.
func wantedMessages(db *store.DB, box store.BoxKey, st store.FolderState, dest string) ([]wantMsg, error) {
	snap, err := takeSnapshot(db, box, st, 0)
	if err != nil {
		return nil, err
	}
	var out []wantMsg
	err = snap.walk(db, box, st, dest).each(func(seg []wantMsg) error { out = append(out, seg...); return nil })
	return out, err
}

// A push after new mail (at the source, and a user's at the destination)
// reads the destination folder's UIDs and fetches the details only of
// those no journal record accounts for: the new arrival, not the 30
// messages it pushed before. Then it uploads only the new source message.
func TestPushDeltaListsOnlyWhatTheJournalDoesNotKnow(t *testing.T) {
	var msgs []testenv.Message
	for i := 0; i < 30; i++ {
		msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(i, "work")})
	}
	e := workEnv(t, styleDot, msgs)
	dest := e.dst.Mailbox("Work")
	if rep := e.push(t, PushOptions{}, nil); rep.Exceptions() || rep.Totals().Uploaded != 30 {
		t.Fatalf("first push: %s", rep.Summary())
	}
	e.src.Load(t, testenv.DefaultUser, "Work", []testenv.Message{{Raw: testenv.SimpleMessage(100, "late")}})
	e.dst.Load(t, testenv.DefaultUser, "Work", []testenv.Message{{Raw: testenv.SimpleMessage(200, "theirs")}})
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	trace := &traceLog{}
	rep := e.push(t, PushOptions{}, trace)
	if tot := rep.Totals(); rep.Exceptions() || tot.Uploaded != 1 || tot.Found != 0 || tot.Already != 30 {
		t.Fatalf("delta: %s", rep.Summary())
	}
	var details []string
	for _, l := range strings.Split(trace.all(), "\n") {
		if strings.Contains(l, "ENVELOPE") {
			details = append(details, l)
		}
	}
	// The user's message is UID 31 of the destination folder.
	if len(details) != 1 || !strings.Contains(details[0], "UID FETCH 31 ") {
		t.Fatalf("fetched details with %q, want one UID FETCH of UID 31 (destination %s)", details, dest)
	}
	src, dst := snapshot(t, e.src, testenv.DefaultUser)["Work"], snapshot(t, e.dst, testenv.DefaultUser)[dest]
	have := multiset(dst)
	for k, n := range multiset(src) {
		if have[k] != n {
			t.Errorf("message %s is on the destination %d time(s), want %d", k[:16], have[k], n)
		}
	}
	if len(src) != 31 || len(dst) != 32 {
		t.Fatalf("%d messages at the source, %d at the destination (31 and the user's own)", len(src), len(dst))
	}
}

// A UID FETCH of scattered UIDs is cut into commands of at most max ranges
// of consecutive UIDs, none lost or repeated.
func TestUIDRangesCutsScatteredUIDs(t *testing.T) {
	uids := []uint32{1, 2, 3, 5, 7, 8, 10, 4000000000}
	var got []string
	for rest := uids; len(rest) > 0; {
		var set imap.UIDSet
		set, rest = uidRanges(rest, 2)
		got = append(got, set.String())
	}
	if s := strings.Join(got, " | "); s != "1:3,5 | 7:8,10 | 4000000000" {
		t.Fatalf("%s", s)
	}
}
