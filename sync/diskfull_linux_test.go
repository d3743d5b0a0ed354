package sync

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// The store's disk fills up in the middle of a pull (RELIABILITY.md,
// scenario 8): the pull neither fails nor counts it against its retries;
// it says the disk is full and waits, with nothing indexed that is not
// durable; once space is freed it goes on by itself and ends with every
// message stored exactly once, byte for byte.
func TestPullWaitsOnAFullDiskAndGoesOnWhenSpaceIsFreed(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	var msgs []testenv.Message
	for i := 0; i < 120; i++ { // about 100 KB each, 12 MB in all
		pad := bytes.Repeat([]byte(fmt.Sprintf("%04d a line of the attachment of the disk-full test\r\n", i)), 1800)
		msgs = append(msgs, testenv.Message{Raw: append(testenv.SimpleMessage(i, "disk full"), pad...)})
	}
	d.Load(t, testenv.DefaultUser, "INBOX", msgs[:80])
	d.Load(t, testenv.DefaultUser, "Archive", msgs[80:])
	src := snapshot(t, d, testenv.DefaultUser)

	disk := testenv.SmallDisk(t, 32<<20, 0)
	db, err := store.Open(filepath.Join(disk, "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Leave 4 MB: the disk fills about a third of the way through.
	free, err := db.FreeBytes()
	if err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(disk, "filler")
	if err := os.WriteFile(filler, make([]byte, free-4<<20), 0o600); err != nil {
		t.Fatal(err)
	}

	events := &eventLog{}
	rep, err2 := pullPausedOnFullDisk(t, d, db, filler, events, PullOptions{BatchSize: 10, MinFreeBytes: 8 << 20}, func() {
		// What the paused pull indexed so far is sound.
		check, err := db.Check(context.Background(), nil)
		if err != nil || len(check.Problems) != 0 || check.Records >= len(msgs) {
			t.Fatalf("while paused on a full disk: %d messages indexed, problems %+v, %v", check.Records, check.Problems, err)
		}
	})
	if err2 != nil || rep.Exceptions() {
		t.Fatalf("pull after the disk was freed: %v %s", err2, rep.Summary())
	}
	if stored, _, _, failed, _ := rep.Counts(); stored != len(msgs) || failed != 0 {
		t.Fatalf("the run stored %d and failed %d of %d", stored, failed, len(msgs))
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != len(msgs) {
		t.Fatalf("%d of %d messages stored as on the source", n, len(msgs))
	}
	check, err := db.Check(context.Background(), nil)
	if err != nil || len(check.Problems) != 0 || check.Records != len(msgs) {
		t.Fatalf("store check after the pull: %d messages, problems %+v, %v", check.Records, check.Problems, err)
	}
	if n := strings.Count(events.all(), "room again"); n != 1 {
		t.Fatalf("the pull said %d times that it goes on:\n%s", n, events.all())
	}
}

// A pull that starts on a full disk waits at its first write (the source's
// folder listing), not only at a folder's: it does not fail the mailbox,
// and once space is freed it stores everything.
func TestPullStartedOnAFullDiskWaitsAndGoesOn(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	loadMixed(t, d, testenv.DefaultUser, 20)
	src := snapshot(t, d, testenv.DefaultUser)
	db, disk := storeOnSmallDisk(t)
	filler := filepath.Join(disk, "filler")
	if err := fillStoreDisk(db, filler); err != nil {
		t.Fatal(err)
	}
	rep, err2 := pullPausedOnFullDisk(t, d, db, filler, &eventLog{}, PullOptions{MinFreeBytes: 1 << 20}, nil)
	if err2 != nil || rep.Exceptions() {
		t.Fatalf("pull after the disk was freed: %v %s", err2, rep.Summary())
	}
	want := 0
	for _, msgs := range src {
		want += len(msgs)
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != want || want < 20 {
		t.Fatalf("%d of %d messages stored as on the source", n, want)
	}
}

// The same for a push, whose only writes are its plan's (the destination
// inventory, the mapping) and its journal's: with the store's disk full to
// the last byte the push waits, whether the disk fills before it plans or
// after it planned a folder and before its first intent (a message whose
// intent the journal cannot record is not sent), and once space is freed
// every message reaches the destination exactly once.
func TestPushWaitsOnAFullDiskAndDeliversEachMessageOnce(t *testing.T) {
	for _, when := range []string{"before planning", "before the first intent"} {
		t.Run(when, func(t *testing.T) {
			e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
			loadDemo(t, e.src, testenv.DefaultUser, 1)
			db, disk := storeOnSmallDisk(t)
			e.db, e.box = db, store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
			pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
			filler := filepath.Join(disk, "filler")
			events := &eventLog{}
			if when == "before planning" {
				if err := fillStoreDisk(db, filler); err != nil {
					t.Fatal(err)
				}
			} else {
				events.onPlanned = func() {
					if err := fillStoreDisk(db, filler); err != nil {
						t.Error(err)
					}
				}
			}
			var rep PushReport
			var err2 error
			pausedOnFullDisk(t, events, filler, func() string {
				rep, err2 = Push(context.Background(), e.db, []PushMailbox{{Box: e.box, Endpoint: e.dstEndpoint()}},
					PushOptions{Retries: 1, MinFreeBytes: 1 << 20, spacePoll: 20 * time.Millisecond, Progress: events})
				return fmt.Sprint(err2, " ", rep.Summary())
			}, func() {
				// bbolt may still find a freed page for a write or two:
				// whatever went out had its intent recorded first.
				for folder, msgs := range snapshot(t, e.dst, testenv.DefaultUser) {
					journaled := 0
					if _, err := db.ForEachPush("p", testenv.DefaultUser, folder, func(store.PushKey, store.PushRecord) error {
						journaled++
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					if len(msgs) > journaled {
						t.Fatalf("%d messages in %q and %d in its journal while the store's disk was full", len(msgs), folder, journaled)
					}
				}
			})
			if err2 != nil || rep.Exceptions() {
				t.Fatalf("push after the disk was freed: %v %s", err2, rep.Summary())
			}
			if n := e.assertDestMatchesSource(t); n < 90 {
				t.Fatalf("only %d messages compared", n)
			}
		})
	}
}

// pullPausedOnFullDisk pulls d's mailbox into db (one retry, the disk
// polled every 20 ms) through pausedOnFullDisk.
func pullPausedOnFullDisk(t *testing.T, d *testenv.Dovecot, db *store.DB, filler string, events *eventLog, opts PullOptions, whilePaused func()) (Report, error) {
	t.Helper()
	opts.Retries, opts.spacePoll, opts.Progress = 1, 20*time.Millisecond, events
	var rep Report
	var err error
	pausedOnFullDisk(t, events, filler, func() string {
		ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
		rep, err = Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, Endpoint: ep}}, opts)
		return fmt.Sprint(err, " ", rep.Summary())
	}, whilePaused)
	return rep, err
}

// storeOnSmallDisk is a store with project "p" on a 16 MB disk of its own.
func storeOnSmallDisk(t *testing.T) (db *store.DB, disk string) {
	disk = testenv.SmallDisk(t, 16<<20, 0)
	db, err := store.Open(filepath.Join(disk, "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.CreateProject(store.Project{Name: "p", Profile: ProfileGeneric}); err != nil {
		t.Fatal(err)
	}
	return db, disk
}

// fillStoreDisk fills the store's disk to the last byte: a file as big as
// the free space, then records of falling sizes until the store can write
// no more, because bbolt reuses the pages its earlier writes freed and
// would go on writing into them on a disk with no block left. The records
// stay; the file is the one to remove to free the disk.
func fillStoreDisk(db *store.DB, filler string) error {
	free, err := db.FreeBytes()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filler, make([]byte, free), 0o600); err != nil && !store.IsDiskFull(err) {
		return err
	}
	// Big records first, then smaller ones, for the freed runs of every
	// size; each size until it failed three times in a row (a failed write
	// may still have taken the disk's last blocks for pages a later one
	// reuses).
	for _, size := range []int{16 << 10, 4 << 10, 1 << 10, 64, 1} {
		for i, full := 0, 0; full < 3; i++ {
			if i == 100000 {
				return fmt.Errorf("the store still writes after 100,000 records on a full disk")
			}
			// Each in a kind of its own: a write into a small new bucket
			// may find room that one into a big bucket does not.
			err := db.AddSnapshot("p", fmt.Sprint("filler-", size, "-", i), time.Now(), make([]byte, size))
			switch {
			case store.IsDiskFull(err):
				full++
			case err != nil:
				return err
			default:
				full = 0
			}
		}
	}
	return nil
}

// A write that fails with room on the disk, for want of something free
// space does not show (here the file system's inodes; a disk quota is
// another), is not waited for: waiting would never cure it, and retrying
// at once would hammer the server for ever. The pull fails that folder
// after its retries, says why, and indexes nothing it did not store.
func TestPullFailsWhenTheDiskHasRoomButNoFileCanBeCreated(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	loadMixed(t, d, testenv.DefaultUser, 20)
	disk := testenv.SmallDisk(t, 32<<20, 64)
	db, err := store.Open(filepath.Join(disk, "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; ; i++ { // take every file the disk has left
		f, err := os.Create(filepath.Join(disk, fmt.Sprint("file-", i)))
		if err != nil {
			if !store.IsDiskFull(err) {
				t.Fatal(err)
			}
			break
		}
		f.Close()
		if i == 100 {
			t.Fatal("the test disk has no limit on its files")
		}
	}
	events := &eventLog{}
	done := make(chan Report, 1)
	go func() {
		ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
		rep, _ := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, Endpoint: ep}},
			PullOptions{Retries: 1, Backoff: 10 * time.Millisecond, MinFreeBytes: 1 << 20, spacePoll: 10 * time.Millisecond, Progress: events})
		done <- rep
	}()
	var rep Report
	select {
	case rep = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the pull still runs after 30 s on a disk that can take no file:\n%.2000s", events.all())
	}
	if !rep.Exceptions() || !strings.Contains(rep.Summary(), "no space left on device") {
		t.Fatalf("the pull did not fail with the disk's words: %s", rep.Summary())
	}
	if strings.Contains(events.all(), "is full") {
		t.Fatalf("the pull waited for space the disk already had:\n%s", events.all())
	}
	if check, err := db.Check(context.Background(), nil); err != nil || len(check.Problems) != 0 || check.Records != 0 {
		t.Fatalf("after the failed pull: %d records, problems %+v, %v", check.Records, check.Problems, err)
	}
}

// pausedOnFullDisk runs job (a pull or a push into a store whose disk fills
// up; it returns how it ended, in words) and waits, a minute at most, for
// its word that the disk is full. The job must not end meanwhile, nor in
// the half second after, however often it looks (with Retries 1 a failure
// would have ended it). whilePaused, when not nil, runs then; the disk is
// freed by removing filler, and the job must end within a minute.
func pausedOnFullDisk(t *testing.T, events *eventLog, filler string, job func() string, whilePaused func()) {
	t.Helper()
	done := make(chan string, 1)
	go func() { done <- job() }()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(events.all(), "is full") {
		select {
		case how := <-done:
			t.Fatalf("the job ended without waiting for space: %s\n%s", how, events.all())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no word of the full disk in a minute:\n%s", events.all())
		}
	}
	select {
	case how := <-done:
		t.Fatalf("the job ended on a full disk: %s", how)
	case <-time.After(500 * time.Millisecond):
	}
	if whilePaused != nil {
		whilePaused()
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("space was freed a minute ago and the job has not ended:\n%s", events.all())
	}
}

// A full disk breaks a connection's pack in the middle of a range, after
// some of the range's group commits were handed over: the connection hands
// back only what it had not handed over, so the connection that takes the
// rest (here on a fresh pack once space is back) stores each message once
// and the report counts it once. It used to hand back the whole range:
// another connection fetched its start again, and a pull reported 130 of
// 120 messages stored.
func TestRangeBrokenByAFullDiskHandsBackOnlyWhatWasNotCommitted(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	var msgs []testenv.Message
	for i := 0; i < 6; i++ { // about 100 KB each
		pad := bytes.Repeat([]byte(fmt.Sprintf("%04d a line of the attachment of the broken range\r\n", i)), 1800)
		msgs = append(msgs, testenv.Message{Raw: append(testenv.SimpleMessage(i, "broken range"), pad...)})
	}
	d.Load(t, testenv.DefaultUser, "INBOX", msgs)
	src := snapshot(t, d, testenv.DefaultUser)

	// The index on a roomy disk, the packs on a small one with room for
	// three and a half messages.
	dir := t.TempDir()
	disk := testenv.SmallDisk(t, 1<<20, 0)
	if err := os.Symlink(disk, filepath.Join(dir, "packs")); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(disk, &fs); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(disk, "filler")
	if err := os.WriteFile(filler, make([]byte, int64(fs.Bavail)*fs.Bsize-350<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	var sel *imap.SelectData
	open := func() *Conn { // a connection on the folder, as a helper's
		c, err := Dial(ctx, endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if sel, err = c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open()
	todo, err := c.uidsFrom(ctx, 1, int(sel.NumMessages))
	if err != nil || len(todo) != len(msgs) {
		t.Fatalf("listing: %v %v", todo, err)
	}
	// One range (a batch of ten), a group commit after every message.
	opts := PullOptions{MaxConnections: 1, BatchSize: 10, CommitBytes: 50 << 10}
	opts.defaults()
	r := &run{db: db, ix: newIndexWriter(db), opts: opts}
	defer r.ix.close()
	box := store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	var rep FolderReport
	f := newFolderFetch(r, box, store.FolderState{Name: "INBOX", UIDValidity: sel.UIDValidity, HighWater: 1}, todo, len(todo), &rep, nil)
	w, _ := f.next(true)
	if len(w.todo) != len(todo) {
		t.Fatalf("the folder was cut into ranges: %v", w.todo)
	}

	fetch := func(c *Conn) ([]uint32, error) {
		pw, err := db.NewPackWriter()
		if err != nil {
			t.Fatal(err)
		}
		defer pw.Close()
		cm := newCommitter(f.commit, f.committed, r.step)
		rest, err := f.fetchChunk(ctx, c, pw, cm, w)
		if ferr := cm.finish(); ferr != nil {
			t.Fatalf("a batch handed over was not indexed: %v", ferr)
		}
		return rest, err
	}
	rest, err := fetch(c)
	if !store.IsDiskFull(err) {
		t.Fatalf("the range did not break on the full disk: %v (rest %v, %d stored)", err, rest, rep.Stored)
	}
	indexed, err := db.StoredUIDsFrom(box, "INBOX", sel.UIDValidity, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(indexed) == 0 || len(rest) == 0 || len(indexed)+len(rest) != len(todo) || rep.Stored != len(indexed) {
		t.Fatalf("the broken range indexed %v (counted %d) and handed back %v of %v", indexed, rep.Stored, rest, todo)
	}
	for _, u := range rest {
		if indexed[u] {
			t.Fatalf("uid %d was indexed and handed back too: %v", u, rest)
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	w.todo = rest
	if rest, err := fetch(open()); err != nil || len(rest) != 0 {
		t.Fatalf("the rest of the range once space was back: %v, left %v", err, rest)
	}
	if rep.Stored != len(msgs) {
		t.Fatalf("the range counted %d of %d messages stored", rep.Stored, len(msgs))
	}
	if n := compareStore(t, db, testenv.DefaultUser, src); n != len(msgs) {
		t.Fatalf("%d of %d messages stored as on the source", n, len(msgs))
	}
}
