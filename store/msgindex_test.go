package store

import (
	"crypto/sha256"
	"testing"
	"time"
)

// CommitPulledAll is all or nothing: a batch that cannot be indexed (a
// record whose bytes are not stored) takes the whole group down with it.
func TestCommitPulledAllIsAllOrNothing(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	h := Hash(sha256.Sum256([]byte("one")))
	good := PulledBatch{Box: box, Folder: FolderState{Name: "INBOX", UIDValidity: 7, HighWater: 2},
		Blobs:    map[Hash]Blob{h: {Pack: 1, Size: 3}},
		Messages: []MessageRecord{{UIDValidity: 7, UID: 1, Hash: h, Size: 3, InternalDate: time.Unix(1700000000, 0)}}}
	bad := PulledBatch{Box: box, Folder: FolderState{Name: "Sent", UIDValidity: 9, HighWater: 5},
		Messages: []MessageRecord{{UIDValidity: 9, UID: 4, Hash: Hash(sha256.Sum256([]byte("never stored")))}}}
	if err := db.CommitPulledAll([]PulledBatch{good, bad}); err == nil {
		t.Fatal("a record without bytes was indexed")
	}
	states, _ := db.FolderStates(box)
	if _, ok := db.HasBlob(h); ok || len(states) != 0 {
		t.Fatalf("a failed group left %d folder states, blob kept %v", len(states), ok)
	}
	if err := db.CommitPulledAll([]PulledBatch{good}); err != nil {
		t.Fatal(err)
	}
	if states, _ := db.FolderStates(box); states["INBOX"].HighWater != 2 {
		t.Fatalf("after the good batch alone: %+v", states)
	}
}
