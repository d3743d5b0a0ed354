package store

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// StoredCopy finds every committed blob, committed before the directory
// was built or after (many commits: runs merged), in the generation it
// names, and never an unknown hash.
func TestStoredCopyFindsEveryCommittedBlob(t *testing.T) {
	defer func(n uint64) { blobGenSize = n }(blobGenSize)
	blobGenSize = 16 // many generations
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	uid := uint32(0)
	commit := func(n int) map[Hash]Blob {
		t.Helper()
		b := PulledBatch{Box: BoxKey{"p", "ann"}, Folder: FolderState{Name: "INBOX", UIDValidity: 7}, Blobs: map[Hash]Blob{}}
		for range n {
			uid++
			h := Hash(sha256.Sum256(fmt.Appendf(nil, "message %d", uid)))
			b.Blobs[h] = Blob{Pack: 1, Offset: uint64(uid) * 10, Size: 10}
			b.Messages = append(b.Messages, MessageRecord{UIDValidity: 7, UID: uid, Hash: h, Size: 10, InternalDate: time.Unix(1700000000, 0)})
		}
		b.Folder.HighWater = uid + 1
		if err := db.CommitPulled(b); err != nil {
			t.Fatal(err)
		}
		return b.Blobs
	}
	found := func(when string, blobs map[Hash]Blob) {
		t.Helper()
		for h, want := range blobs {
			got, gen, ok := db.StoredCopy(h)
			if !ok || got != want {
				t.Fatalf("%s: got %v %v, want %v", when, got, ok, want)
			}
			var there bool
			db.bolt.View(func(tx *bolt.Tx) error {
				there = tx.Bucket(bucketMail).Bucket(bucketBlobGens).Get(blobGenKey(uint32(gen), h)) != nil
				return nil
			})
			if !there {
				t.Fatalf("%s: not in generation %d", when, gen)
			}
		}
	}
	before := commit(50)
	found("committed before the directory was built", before)
	var after []map[Hash]Blob
	for n := range 40 {
		after = append(after, commit(1+n%7))
	}
	for _, blobs := range after {
		found("committed after", blobs)
	}
	found("the first again", before)
	if runs := len(db.blobDir.runs); runs > 8 {
		t.Fatalf("%d runs for %d blobs: not merged", runs, uid)
	}
	for range 10000 {
		var h Hash
		rand.Read(h[:])
		if _, _, ok := db.StoredCopy(h); ok {
			t.Fatal("an unknown hash was found")
		}
	}
}
