package sync

import (
	"time"

	"mailshift/store"
)

// wantMsg is one stored message meant for a destination folder.
type wantMsg struct {
	Key store.PushKey
	Rec store.MessageRecord
}

// wantedMessages lists a folder's stored messages in UID order with their
// push keys: the n-th copy of the same bytes gets ordinal n.
func wantedMessages(db *store.DB, box store.BoxKey, st store.FolderState) ([]wantMsg, error) {
	var out []wantMsg
	seen := map[store.Hash]uint32{}
	err := db.ForEachMessage(box, st.Name, st.UIDValidity, func(m store.MessageRecord) error {
		out = append(out, wantMsg{Key: store.PushKey{Hash: m.Hash, Ordinal: seen[m.Hash]}, Rec: m})
		seen[m.Hash]++
		return nil
	})
	return out, err
}

// destMsg is one message as the destination lists it (no body).
type destMsg struct {
	UID       uint32
	Size      int64
	MessageID string
	Date      time.Time
	Flags     []string // without \Recent
}

// resolution is what the journal and the destination's listing say
// before anything is sent.
type resolution struct {
	confirmed map[store.PushKey]uint32   // on the destination at this UID (journal)
	tooBig    map[store.PushKey]bool     // recorded as over the limit: not retried
	check     map[store.PushKey][]uint32 // may be there: confirm by content hash
	claimed   map[uint32]bool
}

// resolveJournal matches the wanted messages with the journal and the
// destination's listing. A "done" record counts only while its UID is
// still listed under the same UIDVALIDITY. Everything else (an intent
// whose answer was lost, a folder recreated, a message an earlier tool
// put there) becomes a candidate set to confirm by content: listed
// messages, not yet claimed, with the same size and Message-ID; for an
// intent under the same UIDVALIDITY only UIDs at or above the UIDNEXT it
// recorded. Nothing is sent for a message until its candidates are ruled
// out by hash.
func resolveJournal(want []wantMsg, recs map[store.PushKey]store.PushRecord, uidValidity uint32, listing []destMsg) resolution {
	res := resolution{confirmed: map[store.PushKey]uint32{}, tooBig: map[store.PushKey]bool{},
		check: map[store.PushKey][]uint32{}, claimed: map[uint32]bool{}}
	byUID := make(map[uint32]destMsg, len(listing))
	type fp struct {
		size int64
		id   string
	}
	byFP := map[fp][]uint32{}
	for _, d := range listing {
		byUID[d.UID] = d
		byFP[fp{d.Size, d.MessageID}] = append(byFP[fp{d.Size, d.MessageID}], d.UID)
	}
	for _, w := range want {
		r, ok := recs[w.Key]
		if !ok {
			continue
		}
		switch {
		case r.State == store.PushDone && r.UIDValidity == uidValidity && r.UID != 0:
			if _, listed := byUID[r.UID]; listed && !res.claimed[r.UID] {
				res.confirmed[w.Key], res.claimed[r.UID] = r.UID, true
			}
		case r.State == store.PushFailed && r.Reason == CodeTooBig && r.Size == w.Rec.Size:
			res.tooBig[w.Key] = true
		}
	}
	for _, w := range want {
		if _, ok := res.confirmed[w.Key]; ok || res.tooBig[w.Key] {
			continue
		}
		r, hasRec := recs[w.Key]
		var cands []uint32
		for _, uid := range byFP[fp{w.Rec.Size, w.Rec.MessageID}] {
			if res.claimed[uid] {
				continue
			}
			if hasRec && r.State == store.PushIntent && r.UIDValidity == uidValidity && uid < r.UIDNext {
				continue
			}
			cands = append(cands, uid)
		}
		if len(cands) > 0 {
			res.check[w.Key] = cands
		}
	}
	return res
}

// claimByHash assigns candidates whose fetched hash matches, in the
// wanted order, each destination UID to at most one message.
func (res *resolution) claimByHash(want []wantMsg, hashes map[uint32]store.Hash) map[store.PushKey]uint32 {
	found := map[store.PushKey]uint32{}
	for _, w := range want {
		for _, uid := range res.check[w.Key] {
			if h, ok := hashes[uid]; ok && h == w.Key.Hash && !res.claimed[uid] {
				res.claimed[uid], found[w.Key] = true, uid
				break
			}
		}
	}
	return found
}

// checkUIDs is every candidate UID once.
func (res *resolution) checkUIDs() []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	for _, cs := range res.check {
		for _, u := range cs {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}
