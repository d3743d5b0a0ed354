package store

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// randomBatch is n messages of one folder whose hashes are spread over the
// whole key space, as real content hashes are.
func randomBatch(box BoxKey, folder string, firstUID uint32, n int) PulledBatch {
	b := PulledBatch{Box: box, Folder: FolderState{Name: folder, UIDValidity: 7, HighWater: firstUID + uint32(n)}, Blobs: map[Hash]Blob{}}
	for uid := firstUID; uid < firstUID+uint32(n); uid++ {
		var seed [8]byte
		binary.BigEndian.PutUint32(seed[:], uid)
		copy(seed[4:], folder)
		h := Hash(sha256.Sum256(seed[:]))
		b.Blobs[h] = Blob{Pack: 1, Offset: uint64(uid) * 1000, Size: 1000}
		b.Messages = append(b.Messages, MessageRecord{UIDValidity: 7, UID: uid, Hash: h, Size: 1000,
			InternalDate: time.Unix(1700000000+int64(uid), 0), Flags: []string{`\Seen`}, MessageID: "<" + strconv.Itoa(int(uid)) + "@example.test>"})
	}
	return b
}

// pagesWritten is how many pages one call of commit dirtied and wrote.
func pagesWritten(t *testing.T, db *DB, commit func() error) int64 {
	t.Helper()
	count := func() int64 { st := db.bolt.Stats(); return st.TxStats.GetPageCount() }
	before := count()
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	return count() - before
}

// What one group commit writes must not grow with the index: content
// hashes are random, and with one B-tree keyed by hash every commit
// rewrote a leaf per message anywhere in the tree (a pull's memory and
// CPU grew with the mailbox). With generations of 1,024 blobs, a commit of
// 500 messages into an index of 40,000 writes about as many pages as one
// into an index of 1,000 — where the single tree wrote several times as
// many. Every blob, of the first generation as of the last, is still
// found by its hash.
func TestBlobGenerationsKeepWhatACommitWritesFlat(t *testing.T) {
	defer func(n uint64) { blobGenSize = n }(blobGenSize)
	blobGenSize = 1024
	db := openTemp(t)
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	uid := uint32(1)
	commit := func() error {
		b := randomBatch(box, "INBOX", uid, 500)
		uid += 500
		return db.CommitPulled(b)
	}
	for uid < 1000 {
		commit()
	}
	small := pagesWritten(t, db, commit)
	for uid < 40000 {
		if err := commit(); err != nil {
			t.Fatal(err)
		}
	}
	large := pagesWritten(t, db, commit)
	t.Logf("pages written by a commit of 500: %d at 1,000 messages, %d at 40,000", small, large)
	if large > small*3/2 {
		t.Fatalf("a commit writes %d pages at 40,000 messages and %d at 1,000: it grows with the index", large, small)
	}
	// The single tree this replaced wrote one leaf per message at this size.
	if large >= 250 {
		t.Fatalf("a commit of 500 messages writes %d pages", large)
	}
	var gens int
	db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMail).Bucket(bucketBlobGens).Cursor()
		k, _ := c.Last()
		gens = int(binary.BigEndian.Uint32(k)) + 1
		return nil
	})
	if gens < 30 {
		t.Fatalf("%d generations of 1,024 for %d blobs", gens, uid-1)
	}
	n := 0
	err := db.ForEachMessage(box, "INBOX", 7, func(m MessageRecord) error {
		bl, ok := db.HasBlob(m.Hash)
		if !ok || bl.Offset != uint64(m.UID)*1000 {
			t.Fatalf("uid %d: blob %+v found %v", m.UID, bl, ok)
		}
		n++
		return nil
	})
	if err != nil || n != int(uid-1) {
		t.Fatalf("%d of %d records read back: %v", n, uid-1, err)
	}
	if _, ok := db.HasBlob(Hash{1, 2, 3}); ok {
		t.Fatal("an unknown hash was found")
	}
}

// A hash put again (a batch repeated after a crash, the same message in
// two folders) is indexed once more and still resolves; a record whose
// bytes are in an earlier commit (a re-match) is accepted, one whose
// bytes are nowhere is refused.
func TestBlobsPutAgainAndRecordsOfEarlierCommits(t *testing.T) {
	defer func(n uint64) { blobGenSize = n }(blobGenSize)
	blobGenSize = 4
	db := openTemp(t)
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	first := randomBatch(box, "INBOX", 1, 6)
	if err := db.CommitPulled(first); err != nil {
		t.Fatal(err)
	}
	again := randomBatch(box, "INBOX", 1, 6)
	again.Folder.Name = "Copy"
	if err := db.CommitPulled(again); err != nil {
		t.Fatal(err)
	}
	rematch := PulledBatch{Box: box, Folder: FolderState{Name: "New", UIDValidity: 7, HighWater: 3},
		Messages: []MessageRecord{first.Messages[0], first.Messages[5]}}
	if err := db.CommitPulled(rematch); err != nil {
		t.Fatalf("records of earlier blobs: %v", err)
	}
	lost := PulledBatch{Box: box, Folder: FolderState{Name: "New", UIDValidity: 7, HighWater: 9},
		Messages: []MessageRecord{{UIDValidity: 7, UID: 8, Hash: Hash{9}}}}
	if err := db.CommitPulled(lost); err == nil {
		t.Fatal("a record without bytes was indexed")
	}
	for h, want := range first.Blobs {
		if got, ok := db.HasBlob(h); !ok || got != want {
			t.Fatalf("%s: %+v %v, want %+v", h, got, ok, want)
		}
	}
}

// Whatever generation a lookup starts from (the last lookup's, one
// outside the index, none), it finds every blob, and it reports the
// generation the blob is in, which the next lookup starts from.
func TestBlobLookupFindsEveryBlobFromAnyHint(t *testing.T) {
	defer func(n uint64) { blobGenSize = n }(blobGenSize)
	blobGenSize = 100
	db := openTemp(t)
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	var all []PulledBatch
	for uid := uint32(1); uid < 1000; uid += 250 {
		b := randomBatch(box, "INBOX", uid, 250)
		if err := db.CommitPulled(b); err != nil {
			t.Fatal(err)
		}
		all = append(all, b)
	}
	db.bolt.View(func(tx *bolt.Tx) error {
		for _, b := range all {
			for h, want := range b.Blobs {
				var gens []int64
				for hint := int64(-2); hint <= 12; hint++ {
					got, gen, ok := lookupBlob(tx, h, hint)
					if !ok || got != want {
						t.Fatalf("hint %d: %+v %v, want %+v", hint, got, ok, want)
					}
					gens = append(gens, gen)
				}
				for _, g := range gens {
					if g != gens[0] || g < 0 || g > 9 {
						t.Fatalf("found in generations %v", gens)
					}
				}
			}
		}
		if _, _, ok := lookupBlob(tx, Hash{7}, 3); ok {
			t.Fatal("an unknown hash was found")
		}
		return nil
	})
}

// twoFolders indexes n messages of folder A, then n of folder B, in
// batches of 100: their blobs lie in generations far apart.
func twoFolders(t testing.TB, db *DB, n int) (a, b []Hash) {
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	for _, f := range []string{"A", "B"} {
		for uid := uint32(1); uid <= uint32(n); uid += 100 {
			batch := randomBatch(box, f, uid, 100)
			if err := db.CommitPulled(batch); err != nil {
				t.Fatal(err)
			}
			for _, m := range batch.Messages {
				if f == "A" {
					a = append(a, m.Hash)
				} else {
					b = append(b, m.Hash)
				}
			}
		}
	}
	return a, b
}

// Two readers side by side (a push's workers on two folders) each keep
// the generation they read in as a hint, instead of taking the one hint
// from each other: after a lookup in each folder, both generations are
// where the next lookups look first, and every blob is found.
func TestBlobLookupsSideBySideKeepBothGenerationsAsHints(t *testing.T) {
	defer func(n uint64) { blobGenSize = n }(blobGenSize)
	blobGenSize = 16
	db := openTemp(t)
	a, b := twoFolders(t, db, 400)
	for i := range a {
		for _, h := range []Hash{a[i], b[i]} {
			if _, ok := db.HasBlob(h); !ok {
				t.Fatalf("blob %d not found", i)
			}
		}
		if i%16 != 15 {
			continue // at a generation's end the next lookup is in the next one
		}
		var genA, genB int64
		db.bolt.View(func(tx *bolt.Tx) error {
			_, genA, _ = lookupBlob(tx, a[i])
			_, genB, _ = lookupBlob(tx, b[i])
			return nil
		})
		hints := db.blobHints.get()
		if !slices.Contains(hints, genA) || !slices.Contains(hints, genB) || genA == genB {
			t.Fatalf("after message %d of each folder: hints %v, generations %d and %d", i, hints, genA, genB)
		}
	}
}

// Lookups alternating between two folders pulled one after the other
// (go test -bench BlobLookup ./store): about 2 µs each with the recent
// generations as hints; 19 µs at generations of 1,024 blobs with one hint.
func BenchmarkBlobLookupSideBySide(b *testing.B) {
	db := openTemp(b)
	x, y := twoFolders(b, db, 50000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(x)
		db.HasBlob(x[j])
		db.HasBlob(y[len(y)-1-j])
	}
}
