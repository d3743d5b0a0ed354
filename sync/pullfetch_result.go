package sync

import (
	"sort"

	"mailshift/store"
)

// What one FETCH has brought, and how far it takes its range: the
// bookkeeping fetchChunk's commits rely on.

// remaining drops a FETCH's range from todo. UIDs of the range neither
// stored nor dealt with are asked again (a FETCH cut short); every round
// stores at least one message, so the loop ends.
func remaining(todo []uint32, batchLen int, upTo uint32, res *batchResult) []uint32 {
	var again []uint32
	for _, u := range todo[:batchLen] {
		if u > upTo && !res.got.has(u) && res.failed[u] == "" {
			again = append(again, u)
		}
	}
	return append(again, todo[batchLen:]...)
}

// unsent is what of a range's todo a failing FETCH round hands back: every
// UID not handed to the committer. A batch handed over is indexed, or its
// failure stops the whole folder, so its UIDs must not be handed back too:
// fetched again by another connection they were stored and counted twice
// (seen when a full disk broke a pack in the middle of a range, and the
// space its cut tail gave back let another connection fetch the range
// again from its start). What waits in res.recs was never handed over.
func unsent(todo []uint32, res *batchResult) []uint32 {
	pending := make(map[uint32]bool, len(res.recs))
	for _, m := range res.recs {
		pending[m.UID] = true
	}
	var out []uint32
	for _, u := range todo {
		if !res.got.has(u) || pending[u] {
			out = append(out, u)
		}
	}
	return out
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
		if !res.got.has(u) && res.failed[u] == "" {
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
	recs  []store.MessageRecord
	blobs map[store.Hash]store.Blob
	// indexed: records' bytes found indexed already, by the generation
	// they were found in (PulledBatch.Indexed).
	indexed map[store.Hash]int64
	got     uidMarks          // answered with a body (stored)
	failed  map[uint32]string // answered without what a message needs
	bytes   int64
	stored  int // span[:stored] are all in got (storedUpTo's cursor)
}

// storedUpTo is the UID up to which every UID of span (ascending) is
// stored, 0 when the first is not.
func (res *batchResult) storedUpTo(span []uint32) uint32 {
	for res.stored < len(span) && res.got.has(span[res.stored]) {
		res.stored++
	}
	if res.stored == 0 {
		return 0
	}
	return span[res.stored-1]
}

// uidMarks is the set of a FETCH's UIDs answered with a body: one bit per
// UID of its span (ascending), found by position. A map of up to 16
// batches of UIDs per connection was the part of a pull's memory that
// grew with the folder (1.2 MB at 100,000 messages); the bits of the
// largest span take 1 KB.
type uidMarks struct {
	span []uint32
	bits []uint64
	n    int // every mark, a UID outside span included
	next int // where the next mark is looked for first: replies come in order
}

func newUIDMarks(span []uint32) uidMarks {
	return uidMarks{span: span, bits: make([]uint64, (len(span)+63)/64)}
}

// index is u's position in span.
func (m *uidMarks) index(u uint32) (int, bool) {
	if m.next < len(m.span) && m.span[m.next] == u {
		return m.next, true
	}
	i := sort.Search(len(m.span), func(i int) bool { return m.span[i] >= u })
	return i, i < len(m.span) && m.span[i] == u
}

// mark records u as stored. A UID the FETCH did not ask for (a server's
// mistake) still counts in any, though no range is dealt with by it.
func (m *uidMarks) mark(u uint32) {
	m.n++
	if i, ok := m.index(u); ok {
		m.bits[i/64] |= 1 << (i % 64)
		m.next = i + 1
	}
}

func (m *uidMarks) has(u uint32) bool {
	i, ok := m.index(u)
	return ok && m.bits[i/64]&(1<<(i%64)) != 0
}

// any reports whether anything was stored.
func (m *uidMarks) any() bool { return m.n > 0 }
