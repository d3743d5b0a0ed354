package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// pullFolder copies one folder's new messages (and flag changes) into the
// store. It re-reads the folder's state first, so a retry after a failure
// resumes instead of repeating.
func (r *run) pullFolder(ctx context.Context, c *Conn, u unit) (FolderReport, error) {
	box, name, mb := u.m.Box, u.folder.Name, u.m.Box.MailboxID
	rep := FolderReport{Folder: name}
	r.opts.Progress.Folder(mb, name)
	var sel *imap.SelectData
	err := c.do(ctx, func() (err error) {
		sel, err = c.Select(name, &imap.SelectOptions{ReadOnly: true, CondStore: u.condstore}).Wait()
		return
	})
	if err != nil {
		return rep, fmt.Errorf("open %q read-only: %w", name, classify(c.ep.Addr(), err, ""))
	}
	rep.SourceMessages = int(sel.NumMessages)
	states, err := r.db.FolderStates(box)
	if err != nil {
		return rep, err
	}
	st := states[name]
	uv := sel.UIDValidity
	if st.UIDValidity != 0 && st.UIDValidity != uv {
		// The server renumbered the folder: keep the old map aside (never
		// lost) and re-match its messages by content below.
		if _, err := r.db.SetAside(box, name, st.UIDValidity); err != nil {
			return rep, err
		}
		st = store.FolderState{Name: name, UIDValidity: uv, RematchPending: true, SpecialUse: u.folder.SpecialUse}
		if err := r.db.SaveFolderState(box, st); err != nil {
			return rep, err
		}
	}
	rep.UIDValidityChanged = st.RematchPending
	st.Name, st.UIDValidity, st.SpecialUse = name, uv, u.folder.SpecialUse

	if u.condstore && st.HighestModSeq > 0 && sel.HighestModSeq > st.HighestModSeq && st.HighWater > 1 {
		n, err := r.pullFlagChanges(ctx, c, box, name, uv, st)
		if err != nil {
			return rep, err
		}
		rep.FlagsUpdated = n
	} else if !u.condstore && !st.RematchPending && st.HighWater > 1 && sel.NumMessages > 0 {
		n, err := r.scanFlags(ctx, c, box, name, uv, st.HighWater)
		if err != nil {
			return rep, err
		}
		rep.FlagsUpdated = n
	}
	hw := max(st.HighWater, 1)
	var todo []uint32
	if sel.NumMessages > 0 {
		if todo, err = c.uidsFrom(ctx, hw, int(sel.NumMessages)); err != nil {
			return rep, fmt.Errorf("list new messages of %q: %w", name, err)
		}
	}
	done, err := r.db.StoredUIDsFrom(box, name, uv, hw)
	if err != nil {
		return rep, err
	}
	todo = without(todo, done)
	if st.RematchPending && len(todo) > 0 {
		matched, err := r.rematch(ctx, c, box, &st, todo)
		if err != nil {
			return rep, err
		}
		rep.Rematched = len(matched)
		todo = without(todo, matched)
	}
	var newHW uint32
	if len(todo) > 0 {
		ff := newFolderFetch(r, box, st, todo, u.mailboxNew, &rep, &imap.SelectOptions{ReadOnly: true, CondStore: u.condstore})
		if err := ff.run(ctx, c); err != nil {
			return rep, err
		}
		newHW = ff.finalHighWater()
	}
	if newHW == 0 { // nothing failed: everything below UIDNEXT is dealt with
		newHW = max(uint32(sel.UIDNext), st.HighWater)
	}
	st.HighWater = newHW
	st.RematchPending = false
	st.HighestModSeq = sel.HighestModSeq
	st.Inventory = store.Inventory{Messages: int(sel.NumMessages), UIDNext: uint32(sel.UIDNext), UIDValidity: uv,
		Bytes: u.folder.Bytes, Largest: u.folder.Largest}
	st.PulledAt = time.Now().UTC()
	if rep.Failed > 0 {
		st.Inventory.UIDNext = 0 // never "unchanged" while something is missing
	}
	return rep, r.db.SaveFolderState(box, st)
}

// uidsFrom lists the UIDs at or above from (UID SEARCH UID from:*; a
// server answers n:* with the last message even when n is past it) in a
// folder the server said holds exists messages. Where the server offers
// ESEARCH (RFC 4731) the answer is ranges ("1:40000"), not one number per
// message, and the list is built at its final size: what a large folder's
// listing holds for a moment is 4 bytes a message. A listing of more than
// exists + maxListedArrivals UIDs is refused, so a hostile range cannot
// make the client allocate gigabytes.
func (c *Conn) uidsFrom(ctx context.Context, from uint32, exists int) ([]uint32, error) {
	ranges, err := c.searchUIDsFrom(ctx, from, c.Caps().Has(imap.CapESearch))
	if errors.Is(err, errSearchNotUIDs) {
		// An ESEARCH answer without its UID marker lists message numbers
		// (or so go-imap must read it): ask again the plain way.
		ranges, err = c.searchUIDsFrom(ctx, from, false)
	}
	if err != nil {
		return nil, err
	}
	n := uint64(0)
	for _, r := range ranges {
		lo, hi := uint64(max(uint32(r.Start), from)), uint64(r.Stop)
		if r.Stop != 0 && hi >= lo { // 0 is "*", which an answer never holds
			n += hi - lo + 1
		}
	}
	if limit := uint64(max(exists, 0)) + maxListedArrivals; n > limit {
		return nil, fmt.Errorf("the server listed %d messages at or above UID %d in a folder it said holds %d: refusing so long a list", n, from, exists)
	}
	out := make([]uint32, 0, n)
	for _, r := range ranges {
		lo, hi := uint64(max(uint32(r.Start), from)), uint64(r.Stop)
		for u := lo; r.Stop != 0 && u <= hi; u++ {
			out = append(out, uint32(u))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// errSearchNotUIDs is an answer to UID SEARCH that go-imap read as message
// sequence numbers.
var errSearchNotUIDs = errors.New("the server answered UID SEARCH with message numbers")

// searchUIDsFrom asks UID SEARCH UID from:* (with RETURN (ALL) when
// esearch) and returns the UIDs as ranges. An answer that is not UIDs is
// errSearchNotUIDs, never an empty list: that would read as "nothing new".
func (c *Conn) searchUIDsFrom(ctx context.Context, from uint32, esearch bool) (imap.UIDSet, error) {
	var data *imap.SearchData
	var opts *imap.SearchOptions
	if esearch {
		opts = &imap.SearchOptions{ReturnAll: true}
	}
	err := c.do(ctx, func() (err error) {
		var set imap.UIDSet
		set.AddRange(imap.UID(from), 0)
		data, err = c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, opts).Wait()
		return
	})
	if err != nil {
		return nil, classify(c.ep.Addr(), err, "")
	}
	switch all := data.All.(type) {
	case nil:
		return nil, nil // an ESEARCH answer with no match names no set
	case imap.UIDSet:
		return all, nil
	case imap.SeqSet:
		if len(all) == 0 {
			return nil, nil
		}
	}
	return nil, errSearchNotUIDs
}

// maxListedArrivals is how many more UIDs than the folder's count a
// listing may hold: mail that arrived between SELECT and SEARCH.
const maxListedArrivals = 1_000_000

// missing returns those of uids that no longer exist in the selected folder.
func (c *Conn) missing(ctx context.Context, uids map[uint32]string) (map[uint32]bool, error) {
	var set imap.UIDSet
	for u := range uids {
		set.AddNum(imap.UID(u))
	}
	var data *imap.SearchData
	err := c.do(ctx, func() (err error) {
		if err = c.Noop().Wait(); err == nil { // collect pending EXPUNGE news first
			data, err = c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
		}
		return
	})
	if err != nil {
		return nil, classify(c.ep.Addr(), err, "")
	}
	gone := map[uint32]bool{}
	for u := range uids {
		gone[u] = true
	}
	for _, u := range data.AllUIDs() {
		delete(gone, uint32(u))
	}
	return gone, nil
}

func without(uids []uint32, drop map[uint32]bool) []uint32 {
	if len(drop) == 0 {
		return uids
	}
	out := uids[:0:0]
	for _, u := range uids {
		if !drop[u] {
			out = append(out, u)
		}
	}
	return out
}

func uidSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	return set
}

// flagStrings keeps a message's flags and keywords; \Recent is dropped: it
// belongs to a session, not to the message, and cannot be set on upload.
func flagStrings(fl []imap.Flag) []string {
	out := make([]string, 0, len(fl))
	for _, f := range fl {
		if !strings.EqualFold(string(f), `\Recent`) {
			out = append(out, string(f))
		}
	}
	return out
}

// pullFlagChanges asks only for messages whose flags changed since the
// last pull (CONDSTORE CHANGEDSINCE) and stores their new flags.
func (r *run) pullFlagChanges(ctx context.Context, c *Conn, box store.BoxKey, name string, uv uint32, st store.FolderState) (int, error) {
	changed := map[uint32][]string{}
	err := c.doStream(ctx, func(touch func()) error {
		var set imap.UIDSet
		set.AddRange(1, imap.UID(st.HighWater-1))
		cmd := c.Fetch(set, &imap.FetchOptions{UID: true, Flags: true, ChangedSince: st.HighestModSeq})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			touch()
			buf, err := msg.Collect()
			if err != nil {
				cmd.Close()
				return err
			}
			if buf.UID != 0 {
				changed[uint32(buf.UID)] = flagStrings(buf.Flags)
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return 0, fmt.Errorf("read flag changes of %q: %w", name, classify(c.ep.Addr(), err, ""))
	}
	return len(changed), r.db.UpdateFlags(box, name, uv, changed)
}
