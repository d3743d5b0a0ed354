package sync

import (
	"slices"
	"testing"
	"time"

	"mailshift/store"
)

// Recovery with intents written by two sessions at once: each recorded
// UIDNEXT is a lower bound, so a landed message is searched from there
// even when the other session's uploads took the UIDs in between; a
// message below its own intent's UIDNEXT (here: one that was on the
// destination before the window) is not taken for it; and of two
// byte-identical copies whose UIDs came in the other order, each wanted
// message claims the copy with its own flags and INTERNALDATE.
func TestRecoveryOfWindowsSentInParallel(t *testing.T) {
	d1 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	d2 := d1.Add(time.Hour)
	twin := store.Hash{7}
	other := store.Hash{9}
	want := []wantMsg{
		{Key: store.PushKey{Hash: twin, Ordinal: 0}, Rec: store.MessageRecord{UID: 1, Size: 100, MessageID: "t@x", InternalDate: d1, Flags: []string{`\Seen`}}},
		{Key: store.PushKey{Hash: twin, Ordinal: 1}, Rec: store.MessageRecord{UID: 2, Size: 100, MessageID: "t@x", InternalDate: d2, Flags: []string{`\Flagged`}}},
		{Key: store.PushKey{Hash: other}, Rec: store.MessageRecord{UID: 3, Size: 50, MessageID: "o@x", InternalDate: d1}},
	}
	recs := map[store.PushKey]store.PushRecord{ // session A took its window at UIDNEXT 10, session B at 11
		want[0].Key: {State: store.PushIntent, UIDValidity: 7, UIDNext: 10},
		want[1].Key: {State: store.PushIntent, UIDValidity: 7, UIDNext: 11},
		want[2].Key: {State: store.PushIntent, UIDValidity: 7, UIDNext: 12},
	}
	listing := []destMsg{
		{UID: 5, Size: 50, MessageID: "o@x", Date: d1},                                // there before: below the intent's UIDNEXT
		{UID: 12, Size: 100, MessageID: "t@x", Date: d2, Flags: []string{`\Flagged`}}, // B's copy landed first
		{UID: 13, Size: 100, MessageID: "t@x", Date: d1, Flags: []string{`\Seen`}},
	}
	res := resolveJournal(want, recs, 7, listing)
	if got := res.checkUIDs(); len(got) != 2 {
		t.Fatalf("candidates %v, want UIDs 12 and 13 only", got)
	}
	found := res.claimByHash(want, map[uint32]store.Hash{12: twin, 13: twin})
	if found[want[0].Key] != 13 || found[want[1].Key] != 12 {
		t.Fatalf("claimed %v: each copy must go to the message with its flags and date", found)
	}
	if _, ok := found[want[2].Key]; ok {
		t.Fatalf("UID 5, below the recorded UIDNEXT, was taken for an upload: %v", found)
	}
}

// resolveJournal is both steps of the match (claimJournalled, then
// resolveClaimed: see journal.go) over a whole listing, in one call.
func resolveJournal(want []wantMsg, recs map[store.PushKey]store.PushRecord, uidValidity uint32, listing []destMsg) resolution {
	d := indexListing(listing)
	claimed, lost := map[uint32]bool{}, map[store.PushKey]bool{}
	claimJournalled(want, recs, uidValidity, d, claimed, lost)
	return resolveClaimed(want, recs, uidValidity, d, claimed, lost)
}

// indexListing indexes a whole listing (every UID with its details).
func indexListing(listing []destMsg) *destIndex {
	uids := make([]uint32, len(listing))
	for i, m := range listing {
		uids[i] = m.UID
	}
	slices.Sort(uids)
	d := &destIndex{uids: uids}
	d.add(listing)
	return d
}
