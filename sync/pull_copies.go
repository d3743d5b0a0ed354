package sync

import "mailshift/store"

// storeOnce keeps one copy of bytes stored twice. The message just
// appended (h, bl) may be stored already: a copy earlier in this batch,
// fetched lately on this connection, or indexed (the same message in
// another folder or mailbox). Then the record points at the stored bytes
// and this copy is taken back out of the pack. It returns the blob the
// record points at, and whether that is indexed already or with the
// batch's own first copy (so not to be put with the batch's blobs).
//
// A copy another connection is fetching at the same moment is stored
// twice: neither is indexed yet, and bytes of another connection's pack
// are durable only once that connection syncs.
func (r *run) storeOnce(pw *store.PackWriter, res *batchResult, h store.Hash, bl store.Blob) (store.Blob, bool) {
	first, earlier := pw.Earlier(h, bl)
	_, inBatch := res.blobs[h]
	switch {
	case earlier:
		if !pw.Unappend(h, bl) {
			return bl, false
		}
		// In this batch, indexed by now, or else indexed with this batch
		// (and by its own too, should that come later: either entry is
		// right). Durable with this batch: the same pack, or an earlier
		// one synced when it was closed.
		return first, inBatch || r.indexed(res, h)
	case inBatch || r.indexed(res, h):
		pw.Unappend(h, bl)
		return bl, true
	}
	return bl, false
}

// indexed reports whether h's bytes are indexed, noting the generation
// they are in for the commit's check (PulledBatch.Indexed).
func (r *run) indexed(res *batchResult, h store.Hash) bool {
	_, gen, ok := r.db.StoredCopy(h)
	if ok {
		if res.indexed == nil {
			res.indexed = map[store.Hash]int64{}
		}
		res.indexed[h] = gen
	}
	return ok
}
