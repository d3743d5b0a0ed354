package sync

import (
	"context"
	"errors"
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

// OK is true when every message is accounted for and every blob
// verifies. A project with nothing copied is not verified: there is
// nothing to vouch for.
func (v Verification) OK() bool {
	if len(v.Store.Problems) > 0 || len(v.Folders) == 0 {
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
	if len(v.Folders) == 0 && len(v.Store.Problems) == 0 {
		return "NOT verified: nothing has been copied yet (run the pull)"
	}
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
// folder's index with the source inventory taken at pull time. The
// folders checked are those the last pull of each mailbox found on the
// source as well as those copied: a folder the pull never reached, a
// mailbox whose source it could not list, and a mailbox of the project
// never pulled are discrepancies, not absent from the report (a verdict
// over what happens to be stored would vouch for an interrupted copy).
func VerifyOffline(ctx context.Context, db *store.DB, projectID string, progress func(done, total int)) (Verification, error) {
	var v Verification
	boxes, err := db.Boxes(projectID)
	if err != nil {
		return v, err
	}
	pulled := map[string]bool{}
	for _, b := range boxes {
		pulled[b.MailboxID] = true
		if err := verifyBox(db, b, &v); err != nil {
			return v, err
		}
	}
	// Pulls given by URL have no project entry, hence no mailbox list.
	mbs, err := db.Mailboxes(projectID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return v, err
	}
	for _, m := range mbs {
		if !pulled[m.ID] {
			v.Folders = append(v.Folders, FolderCheck{Mailbox: m.ID,
				Problems: []string{"this mailbox of the project has not been copied yet: run the pull"}})
		}
	}
	if v.Store, err = db.Check(ctx, progress); err != nil {
		return v, err
	}
	return v, nil
}

// verifyBox checks one mailbox's folders: those of its last source
// listing and those with a copy.
func verifyBox(db *store.DB, b store.BoxKey, v *Verification) error {
	states, err := db.FolderStates(b)
	if err != nil {
		return err
	}
	listing, listed, err := db.LastSourceListing(b)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	for _, n := range listing.Folders {
		if _, ok := states[n]; !ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		why := "the pull could not list this mailbox's folders on the source (see the pull's report): run the pull again"
		if listed {
			why = "the source listed no folder for this mailbox"
		}
		v.Folders = append(v.Folders, FolderCheck{Mailbox: b.MailboxID, Problems: []string{why}})
		return nil
	}
	sort.Slice(names, func(i, j int) bool { return folderLess(names[i], names[j]) })
	for _, name := range names {
		st, copied := states[name]
		if !copied {
			v.Folders = append(v.Folders, FolderCheck{Mailbox: b.MailboxID, Folder: name, Problems: []string{
				fmt.Sprintf("on the source when the pull of %s began, but not copied: the pull did not get to it; run the pull again",
					listing.At.Local().Format("2006-01-02 15:04"))}})
			continue
		}
		fc, err := checkFolder(db, b, st)
		if err != nil {
			return err
		}
		v.Messages += fc.Stored
		v.Folders = append(v.Folders, fc)
	}
	return nil
}

// checkFolder compares one copied folder's index with the source's
// inventory at its last pull.
func checkFolder(db *store.DB, b store.BoxKey, st store.FolderState) (FolderCheck, error) {
	fc := FolderCheck{Mailbox: b.MailboxID, Folder: st.Name, SourceAtPull: st.Inventory.Messages}
	err := db.ForEachMessage(b, st.Name, st.UIDValidity, func(m store.MessageRecord) error {
		if st.Inventory.UIDNext == 0 || m.UID < st.Inventory.UIDNext {
			fc.Stored++
		}
		return nil
	})
	if err != nil {
		return fc, err
	}
	fc.Vanished = db.VanishedCount(b, st.Name, st.UIDValidity)
	switch {
	case st.Inventory.UIDNext == 0:
		fc.Problems = append(fc.Problems, "the last pull of this folder did not finish: run the pull again")
	case st.RematchPending:
		fc.Problems = append(fc.Problems, "the source renumbered this folder and re-matching did not finish: run the pull again")
	case fc.Stored+fc.Vanished < fc.SourceAtPull:
		fc.Problems = append(fc.Problems, fmt.Sprintf("%d message(s) on the source at pull time are not in the store", fc.SourceAtPull-fc.Stored-fc.Vanished))
	}
	return fc, nil
}
