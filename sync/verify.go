package sync

import (
	"context"
	"fmt"
	"sort"

	"mailshift/store"
)

// FolderCheck is one folder's offline verification.
type FolderCheck struct {
	Mailbox, Folder string
	SourceAtPull    int // messages on the source when it was last read
	Stored          int // index entries under the folder's UIDVALIDITY
	Vanished        int // expunged at the source during a copy
	Problems        []string
}

// Verification is the result of VerifyOffline.
type Verification struct {
	Folders  []FolderCheck
	Store    store.CheckResult
	Messages int
}

// OK is true when every message is accounted for and every blob verifies.
func (v Verification) OK() bool {
	if len(v.Store.Problems) > 0 {
		return false
	}
	for _, f := range v.Folders {
		if len(f.Problems) > 0 {
			return false
		}
	}
	return true
}

// Verdict is the explicit end-of-run sentence.
func (v Verification) Verdict() string {
	if v.OK() {
		return fmt.Sprintf("all %d messages of %d folders verified", v.Messages, len(v.Folders))
	}
	n := len(v.Store.Problems)
	for _, f := range v.Folders {
		n += len(f.Problems)
	}
	return fmt.Sprintf("NOT verified: %d discrepancy(ies) among %d messages of %d folders", n, v.Messages, len(v.Folders))
}

// VerifyOffline needs no network: it recomputes every stored message's
// SHA-256, checks the index against the stored bytes, and compares each
// folder's index with the source inventory taken at pull time.
func VerifyOffline(ctx context.Context, db *store.DB, projectID string, progress func(done, total int)) (Verification, error) {
	var v Verification
	boxes, err := db.Boxes(projectID)
	if err != nil {
		return v, err
	}
	for _, b := range boxes {
		states, err := db.FolderStates(b)
		if err != nil {
			return v, err
		}
		names := make([]string, 0, len(states))
		for n := range states {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return folderLess(names[i], names[j]) })
		for _, name := range names {
			st := states[name]
			fc := FolderCheck{Mailbox: b.MailboxID, Folder: name, SourceAtPull: st.Inventory.Messages}
			seen := map[uint32]bool{}
			err := db.ForEachMessage(b, name, st.UIDValidity, func(m store.MessageRecord) error {
				if st.Inventory.UIDNext == 0 || m.UID < st.Inventory.UIDNext {
					fc.Stored++
				}
				seen[m.UID] = true
				return nil
			})
			if err != nil {
				return v, err
			}
			fc.Vanished = db.VanishedCount(b, name, st.UIDValidity)
			switch {
			case st.Inventory.UIDNext == 0:
				fc.Problems = append(fc.Problems, "the last pull of this folder did not finish: run the pull again")
			case st.RematchPending:
				fc.Problems = append(fc.Problems, "the source renumbered this folder and re-matching did not finish: run the pull again")
			case fc.Stored+fc.Vanished < fc.SourceAtPull:
				fc.Problems = append(fc.Problems, fmt.Sprintf("%d message(s) on the source at pull time are not in the store", fc.SourceAtPull-fc.Stored-fc.Vanished))
			}
			v.Messages += fc.Stored
			v.Folders = append(v.Folders, fc)
		}
	}
	if v.Store, err = db.Check(ctx, progress); err != nil {
		return v, err
	}
	return v, nil
}
