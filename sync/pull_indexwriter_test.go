package sync

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	"mailshift/store"
)

// indexBatch is n records of folder with their (pretend) stored bytes.
func indexBatch(box store.BoxKey, folder string, first uint32, n int) store.PulledBatch {
	b := store.PulledBatch{Box: box, Folder: store.FolderState{Name: folder, UIDValidity: 7, HighWater: first + uint32(n)},
		Blobs: map[store.Hash]store.Blob{}}
	for uid := first; uid < first+uint32(n); uid++ {
		var seed [8]byte
		binary.BigEndian.PutUint32(seed[:], uid)
		copy(seed[4:], folder)
		h := store.Hash(sha256.Sum256(seed[:]))
		b.Blobs[h] = store.Blob{Pack: 1, Offset: uint64(uid), Size: 1}
		b.Messages = append(b.Messages, store.MessageRecord{UIDValidity: 7, UID: uid, Hash: h, Size: 1, InternalDate: time.Unix(1700000000, 0)})
	}
	return b
}

// A group is prepared in order until it holds the message budget; the
// batch that crosses it is the last, the rest is left unprepared (its
// folder state not yet decided), and a batch larger than the budget still
// goes alone.
func TestPrepareGroupStopsAtTheMessageBudget(t *testing.T) {
	box := store.BoxKey{ProjectID: "p", MailboxID: "m"}
	var order []int
	req := func(i, n int) *indexReq {
		return &indexReq{prepare: func() (store.PulledBatch, func()) {
			order = append(order, i)
			return indexBatch(box, "INBOX", uint32(i*1000+1), n), func() {}
		}}
	}
	group := []*indexReq{req(0, 600), req(1, 600), req(2, 600), req(3, 600), req(4, 600)}
	batches, undos, rest := prepareGroup(group, 2000)
	if len(batches) != 4 || len(undos) != 4 || len(rest) != 1 || rest[0] != group[4] {
		t.Fatalf("%d batches, %d undos, %d left", len(batches), len(undos), len(rest))
	}
	if fmt.Sprint(order) != "[0 1 2 3]" {
		t.Fatalf("prepared %v", order)
	}
	order = nil
	batches, _, rest = prepareGroup([]*indexReq{req(0, 3000), req(1, 10)}, 2000)
	if len(batches) != 1 || len(batches[0].Messages) != 3000 || len(rest) != 1 || fmt.Sprint(order) != "[0]" {
		t.Fatalf("a batch over the budget: %d batches, %d left, prepared %v", len(batches), len(rest), order)
	}
}

// Many connections committing at once through one writer: every batch is
// indexed (those carried over to the next transaction too), each caller
// hears its own result, and the folder states are those of the last
// batch of each folder.
func TestIndexWriterIndexesEveryBatchOfConcurrentCommits(t *testing.T) {
	db := tempStore(t)
	w := newIndexWriter(db)
	box := store.BoxKey{ProjectID: "p", MailboxID: "m"}
	const conns, perConn, size = 6, 5, 700
	var wg gosync.WaitGroup
	errs := make(chan error, conns*perConn)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			folder := fmt.Sprintf("F%d", c)
			for i := 0; i < perConn; i++ {
				b := indexBatch(box, folder, uint32(i*size+1), size)
				errs <- w.commit(func() (store.PulledBatch, func()) { return b, func() {} })
			}
		}(c)
	}
	wg.Wait()
	w.close()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	states, err := db.FolderStates(box)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < conns; c++ {
		folder := fmt.Sprintf("F%d", c)
		n := 0
		db.ForEachMessage(box, folder, 7, func(store.MessageRecord) error { n++; return nil })
		if n != perConn*size || states[folder].HighWater != perConn*size+1 {
			t.Fatalf("%s: %d records, mark %d", folder, n, states[folder].HighWater)
		}
	}
}
