package sync

import "mailshift/store"

// What one FETCH has brought, and how far it takes its range: the
// bookkeeping fetchChunk's commits rely on.

// remaining drops a FETCH's range from todo. UIDs of the range neither
// stored nor dealt with are asked again (a FETCH cut short); every round
// stores at least one message, so the loop ends.
func remaining(todo []uint32, batchLen int, upTo uint32, res *batchResult) []uint32 {
	var again []uint32
	for _, u := range todo[:batchLen] {
		if u > upTo && !res.got[u] && res.failed[u] == "" {
			again = append(again, u)
		}
	}
	return append(again, todo[batchLen:]...)
}

// answeredUpTo is the UID up to which a batch has been dealt with. A FETCH
// that finished answered everything it will ever answer: UIDs it skipped
// were expunged. A FETCH cut short (error, byte threshold) only vouches for
// the answered prefix: a server may answer out of order, so an unanswered
// UID below the last answered one is asked again, never taken as vanished.
func answeredUpTo(batch []uint32, res *batchResult, finished bool) uint32 {
	if finished {
		return batch[len(batch)-1]
	}
	var upTo uint32
	for _, u := range batch {
		if !res.got[u] && res.failed[u] == "" {
			break
		}
		upTo = u
	}
	return upTo
}

// batchResult is what one FETCH has brought so far. recs, blobs and bytes
// are what awaits the next group commit; got and failed cover the whole
// FETCH.
type batchResult struct {
	recs   []store.MessageRecord
	blobs  map[store.Hash]store.Blob
	got    map[uint32]bool   // answered with a body (stored)
	failed map[uint32]string // answered without what a message needs
	bytes  int64
	stored int // span[:stored] are all in got (storedUpTo's cursor)
}

// storedUpTo is the UID up to which every UID of span (ascending) is
// stored, 0 when the first is not.
func (res *batchResult) storedUpTo(span []uint32) uint32 {
	for res.stored < len(span) && res.got[span[res.stored]] {
		res.stored++
	}
	if res.stored == 0 {
		return 0
	}
	return span[res.stored-1]
}
