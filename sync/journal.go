package sync

import (
	"slices"
	"strings"
	"time"

	"mailshift/store"
)

// wantMsg is one stored message meant for a destination folder.
type wantMsg struct {
	Key store.PushKey
	Rec store.MessageRecord
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
	listed    map[uint32]destMsg // the destination's listing by UID
}

// destIndex is a destination folder's listing, indexed once per attempt:
// every UID in it (uids, sorted), and the details (size, Message-ID, date,
// flags) of those in listing, which a push or a reconciliation fetches
// only for the UIDs no journal record accounts for (claimAll).
type destIndex struct {
	uids    []uint32
	listing []destMsg
	byUID   map[uint32]destMsg
	byFP    map[destFP][]uint32
}

// destFP is what a listing says of a message without its bytes.
type destFP struct {
	size int64
	id   string
}

// add takes in the details of some of the index's UIDs.
func (d *destIndex) add(listing []destMsg) {
	d.listing = listing
	d.byUID = make(map[uint32]destMsg, len(listing))
	d.byFP = map[destFP][]uint32{}
	for _, m := range listing {
		d.byUID[m.UID] = m
		d.byFP[destFP{m.Size, m.MessageID}] = append(d.byFP[destFP{m.Size, m.MessageID}], m.UID)
	}
}

// has says whether the folder holds uid.
func (d *destIndex) has(uid uint32) bool {
	_, ok := slices.BinarySearch(d.uids, uid)
	return ok
}

// Matching the wanted messages with the journal and the destination's
// listing takes two steps. A "done" record counts only while its UID is
// still listed under the same UIDVALIDITY. Everything else (an intent
// whose answer was lost, a folder recreated, a message an earlier tool
// put there) becomes a candidate set to confirm by content: listed
// messages, not yet claimed, with the same size and Message-ID; for an
// intent under the same UIDVALIDITY only UIDs at or above the UIDNEXT it
// recorded. Nothing is sent for a message until its candidates are ruled
// out by hash.

// claimJournalled is the first step: every "done" record under
// uidValidity whose UID is listed claims that UID, in want's order; a
// record whose UID another claimed first goes into lost. A push or a
// reconciliation makes this step over its whole folder (claimAll) before
// the second, so that no message of an earlier segment takes a UID a
// later one's record holds.
func claimJournalled(want []wantMsg, recs map[store.PushKey]store.PushRecord, uidValidity uint32, d *destIndex, claimed map[uint32]bool, lost map[store.PushKey]bool) {
	for _, w := range want {
		r, ok := recs[w.Key]
		if !ok || r.State != store.PushDone || r.UIDValidity != uidValidity || r.UID == 0 {
			continue
		}
		if d.has(r.UID) {
			if claimed[r.UID] {
				lost[w.Key] = true
			} else {
				claimed[r.UID] = true
			}
		}
	}
}

// resolveClaimed is the second step, after claimJournalled has filled
// claimed and lost (for want, or for a whole folder of which want is a
// segment).
func resolveClaimed(want []wantMsg, recs map[store.PushKey]store.PushRecord, uidValidity uint32, d *destIndex, claimed map[uint32]bool, lost map[store.PushKey]bool) resolution {
	res := settled(want, recs, uidValidity, d, lost)
	res.claimed = claimed
	for _, w := range want {
		if _, ok := res.confirmed[w.Key]; ok || res.tooBig[w.Key] {
			continue
		}
		r, hasRec := recs[w.Key]
		var cands []uint32
		for _, uid := range d.byFP[destFP{w.Rec.Size, w.Rec.MessageID}] {
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

// settled is what the journal settles for want: the "done" records still
// listed (lost aside) and the messages recorded as over the size limit.
func settled(want []wantMsg, recs map[store.PushKey]store.PushRecord, uidValidity uint32, d *destIndex, lost map[store.PushKey]bool) resolution {
	res := resolution{confirmed: map[store.PushKey]uint32{}, tooBig: map[store.PushKey]bool{},
		check: map[store.PushKey][]uint32{}, listed: d.byUID}
	for _, w := range want {
		r, ok := recs[w.Key]
		if !ok {
			continue
		}
		switch {
		case r.State == store.PushDone && r.UIDValidity == uidValidity && r.UID != 0:
			if d.has(r.UID) && !lost[w.Key] {
				res.confirmed[w.Key] = r.UID
			}
		case r.State == store.PushFailed && r.Reason == CodeTooBig && r.Size == w.Rec.Size:
			res.tooBig[w.Key] = true
		}
	}
	return res
}

// claimByHash assigns candidates whose fetched hash matches, each
// destination UID to at most one message. Byte-identical copies are
// interchangeable for the count, but their flags and dates may differ
// (and with several upload sessions their UIDs need not follow the wanted
// order), so a first pass claims only candidates whose flags and
// INTERNALDATE also match; the second takes any candidate with the hash.
func (res *resolution) claimByHash(want []wantMsg, hashes map[uint32]store.Hash) map[store.PushKey]uint32 {
	found := map[store.PushKey]uint32{}
	for _, exact := range []bool{true, false} {
		for _, w := range want {
			if _, ok := found[w.Key]; ok {
				continue
			}
			for _, uid := range res.check[w.Key] {
				if h, ok := hashes[uid]; !ok || h != w.Key.Hash || res.claimed[uid] {
					continue
				}
				if exact && !sameFlagsAndDate(w.Rec, res.listed[uid]) {
					continue
				}
				res.claimed[uid], found[w.Key] = true, uid
				break
			}
		}
	}
	return found
}

// sameFlagsAndDate: the listed message carries the stored message's flags
// (\Recent aside, in any order and case) and INTERNALDATE (to the second).
func sameFlagsAndDate(m store.MessageRecord, d destMsg) bool {
	if !m.InternalDate.IsZero() && m.InternalDate.Unix() != d.Date.Unix() {
		return false
	}
	norm := func(fs []string) string {
		var out []string
		for _, f := range fs {
			if !strings.EqualFold(f, `\Recent`) {
				out = append(out, strings.ToLower(f))
			}
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	return norm(m.Flags) == norm(d.Flags)
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

// claimRewritten finds uploads whose answer was lost on a server that
// rewrites messages on APPEND (other bytes, other size, so the hash cannot
// match): an intent under the same UIDVALIDITY is matched with a listed,
// unclaimed message at or above the UIDNEXT it recorded that has its
// Message-ID and its INTERNALDATE (which the upload set; mail delivered
// meanwhile carries the time of delivery). It never guesses: when the
// intents sharing a Message-ID and date have different bytes and fewer
// messages than intents are listed, none of them is claimed (sending one
// again risks a duplicate, claiming the wrong one would lose a message).
func (res *resolution) claimRewritten(want []wantMsg, recs map[store.PushKey]store.PushRecord, uidValidity uint32, listing []destMsg) map[store.PushKey]uint32 {
	type sig struct {
		id   string
		date int64
	}
	var intents = map[sig][]wantMsg{}
	var order []sig
	for _, w := range want {
		r, ok := recs[w.Key]
		if _, done := res.confirmed[w.Key]; done || !ok || r.State != store.PushIntent || r.UIDValidity != uidValidity || res.tooBig[w.Key] {
			continue
		}
		s := sig{w.Rec.MessageID, w.Rec.InternalDate.Unix()}
		if len(intents[s]) == 0 {
			order = append(order, s)
		}
		intents[s] = append(intents[s], w)
	}
	found := map[store.PushKey]uint32{}
	for _, s := range order {
		ws := intents[s]
		from := recs[ws[0].Key].UIDNext // the lowest: sessions in parallel record different ones
		for _, w := range ws {
			from = min(from, recs[w.Key].UIDNext)
		}
		var cands []uint32
		for _, d := range listing { // in UID order
			if !res.claimed[d.UID] && d.MessageID == s.id && d.Date.Unix() == s.date && d.UID >= from {
				cands = append(cands, d.UID)
			}
		}
		interchangeable := true
		for _, w := range ws {
			interchangeable = interchangeable && w.Key.Hash == ws[0].Key.Hash && recs[w.Key].UIDNext == recs[ws[0].Key].UIDNext
		}
		if len(cands) == 0 || (!interchangeable && len(cands) != len(ws)) {
			continue
		}
		for i, w := range ws {
			if i == len(cands) {
				break
			}
			res.claimed[cands[i]], found[w.Key] = true, cands[i]
		}
	}
	return found
}
