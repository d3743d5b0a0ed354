package store

import (
	"crypto/sha256"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mappedRSS is how many kB of path are resident in this process's mappings
// (from /proc/self/smaps).
func mappedRSS(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	kb, in := 0, false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = len(f) >= 6 && f[5] == path
			continue
		}
		if in && len(f) >= 2 && f[0] == "Rss:" {
			n, _ := strconv.Atoi(f[1])
			kb += n
		}
	}
	return kb
}

// bigIndex is the index file's size in kB; it fails the test when the
// index is too small for a resident-size check to prove anything.
func bigIndex(t *testing.T, db *DB) int64 {
	t.Helper()
	st, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < 4<<20 {
		t.Fatalf("the index is only %d bytes: the test proves nothing", st.Size())
	}
	return st.Size() >> 10
}

// assertNotResident fails when more than 1 MB of the index is mapped in.
func assertNotResident(t *testing.T, db *DB, sizeKB int64, after string) {
	t.Helper()
	if kb := mappedRSS(t, db.Path()); kb > 1024 {
		t.Fatalf("%d kB of the %d-kB index stay resident after %s", kb, sizeKB, after)
	}
}

// A pull's commits touch a random leaf of the blob index per message; the
// index's mapped pages must not stay resident, or a pull's memory grows
// with the number of messages. After 40,000 messages in 80 group commits
// the index file is several MB, but less than 1 MB of it is mapped in.
func TestCommitPulledKeepsTheIndexOutOfMemory(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	uid := uint32(1)
	for batch := 0; batch < 80; batch++ {
		b := PulledBatch{Box: box, Folder: FolderState{Name: "INBOX", UIDValidity: 7}, Blobs: map[Hash]Blob{}}
		for i := 0; i < 500; i++ {
			var n [4]byte
			binary.BigEndian.PutUint32(n[:], uid)
			h := Hash(sha256.Sum256(n[:]))
			b.Blobs[h] = Blob{Pack: 1, Offset: uint64(uid) * 100, Size: 100}
			b.Messages = append(b.Messages, MessageRecord{UIDValidity: 7, UID: uid, Hash: h, Size: 100,
				InternalDate: time.Unix(1700000000, 0), Flags: []string{`\Seen`}, MessageID: "<" + strconv.Itoa(int(uid)) + "@example.test>"})
			uid++
		}
		b.Folder.HighWater = uid
		if err := db.CommitPulled(b); err != nil {
			t.Fatal(err)
		}
	}
	sizeKB := bigIndex(t, db)
	assertNotResident(t, db, sizeKB, "the commits")
	n := 0 // and everything is still readable
	db.ForEachMessage(box, "INBOX", 7, func(MessageRecord) error { n++; return nil })
	if n != 40000 {
		t.Fatalf("%d records read back", n)
	}
	// A walk over every record (a push's plan, a flag scan) reads every
	// leaf of the folder; its pages go too.
	assertNotResident(t, db, sizeKB, "reading the folder")
}

// The push journal is keyed by content hash like the blob index: its
// commits (here releasing at every commit, not once a second) and a read
// of a folder's journal must not leave the index resident either.
func TestPushJournalKeepsTheIndexOutOfMemory(t *testing.T) {
	defer func(d time.Duration) { journalDropInterval = d }(journalDropInterval)
	journalDropInterval = 0
	db, p := journalDB(t)
	n := uint32(0)
	for window := 0; window < 80; window++ {
		recs := map[PushKey]PushRecord{}
		for i := 0; i < 500; i++ {
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], n)
			recs[PushKey{Hash: Hash(sha256.Sum256(b[:]))}] = PushRecord{State: PushDone, UIDValidity: 7, UID: n + 1, Size: 100,
				MessageID: "<" + strconv.Itoa(int(n)) + "@example.test>", At: time.Unix(1700000000, 0)}
			n++
		}
		if err := db.RecordPush(p.ID, "alice@example.test", "INBOX", nil, recs); err != nil {
			t.Fatal(err)
		}
	}
	sizeKB := bigIndex(t, db)
	assertNotResident(t, db, sizeKB, "the journal's commits")
	_, recs, err := db.PushJournal(p.ID, "alice@example.test", "INBOX")
	if err != nil || len(recs) != 40000 {
		t.Fatalf("%d records read back: %v", len(recs), err)
	}
	assertNotResident(t, db, sizeKB, "reading the journal")
}
