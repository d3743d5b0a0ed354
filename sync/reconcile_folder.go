package sync

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// reconcileFolderState is one folder's comparison.
type reconcileFolderState struct {
	db     *store.DB
	box    store.BoxKey
	fm     FolderMap
	st     store.FolderState
	stored bool
	src    FolderInfo // the source's counts (fresh or last inventory)
	listed bool
	fresh  bool
	opts   ReconcileOptions
}

func (r *reconcileFolderState) run(ctx context.Context, sc, dc *Conn) (FolderReconcile, error) {
	f := FolderReconcile{Source: r.fm.Source, Dest: r.fm.Dest, SourceFresh: r.fresh}
	f.SourceMessages, f.SourceBytes = r.src.Messages, r.src.Bytes
	if !r.listed {
		f.SourceMessages, f.SourceBytes = r.st.Inventory.Messages, r.st.Inventory.Bytes
	}
	snap := &folderSnapshot{}
	if r.stored {
		var err error
		if snap, err = takeSnapshot(r.db, r.box, r.st, 0); err != nil {
			return f, err
		}
	}
	f.Local, f.LocalBytes = snap.count(), snap.bytes
	if r.fm.Excluded {
		err := snap.walk(r.db, r.box, r.st, r.fm.Dest).each(func(seg []wantMsg) error {
			for _, w := range seg {
				f.Skipped = append(f.Skipped, issueOf(w, CodeExcluded, "the folder is excluded from the migration"))
			}
			return nil
		})
		return f, err
	}
	vanished := 0
	if r.stored {
		vanished = r.db.VanishedCount(r.box, r.fm.Source, r.st.UIDValidity)
	}
	for i := 0; i < vanished; i++ {
		f.Skipped = append(f.Skipped, Issue{Code: CodeVanished, Text: "expunged at the source while it was being copied"})
	}
	if sc == nil && r.listed {
		// No fresh look at the source: trust its last count, never a
		// silent success when the store holds fewer.
		for i := f.Local + vanished; i < r.src.Messages; i++ {
			f.Missing = append(f.Missing, Issue{Code: CodeLate, Text: "counted on the source at the last inventory, not in the local store: pull again"})
		}
	}
	if sc != nil {
		late, err := r.lateAtSource(ctx, sc)
		if err != nil {
			return f, err
		}
		f.Missing = append(f.Missing, late...)
	}
	if err := r.compareDest(ctx, dc, snap, &f); err != nil {
		return f, err
	}
	return f, nil
}

func issueOf(w wantMsg, code, text string) Issue {
	return Issue{SourceUID: w.Rec.UID, Hash: w.Key.Hash.String(), Size: w.Rec.Size, MessageID: w.Rec.MessageID, Code: code, Text: text}
}

// lateAtSource lists source messages the store does not have: new since
// the last pull (or a folder never pulled).
func (r *reconcileFolderState) lateAtSource(ctx context.Context, sc *Conn) ([]Issue, error) {
	var sel *imap.SelectData
	err := sc.do(ctx, func() (err error) {
		sel, err = sc.Select(r.fm.Source, &imap.SelectOptions{ReadOnly: true}).Wait()
		return
	})
	if err != nil {
		return nil, fmt.Errorf("open source folder read-only: %w", classify(sc.ep.Addr(), err, ""))
	}
	const text = "arrived at the source after the last pull: run delta"
	if r.stored && sel.UIDValidity != r.st.UIDValidity {
		var out []Issue
		for i := r.st.Inventory.Messages; i < int(sel.NumMessages); i++ {
			out = append(out, Issue{Code: CodeLate, Text: text + " (the source renumbered the folder)"})
		}
		return out, nil
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	from := uint32(1)
	if r.stored {
		from = max(r.st.HighWater, 1)
	}
	uids, err := sc.uidsFrom(ctx, from, int(sel.NumMessages))
	if err != nil {
		return nil, err
	}
	have, err := r.db.StoredUIDsFrom(r.box, r.fm.Source, r.st.UIDValidity, from)
	if err != nil {
		return nil, err
	}
	var out []Issue
	for _, u := range uids {
		if !have[u] {
			out = append(out, Issue{SourceUID: u, Code: CodeLate, Text: text})
		}
	}
	return out, nil
}

// compareDest fetches the destination folder fresh and matches it with
// the stored messages, a segment at a time (push_segment.go) and by the
// push's rules in the push's order: journalled UIDs first, over the whole
// folder, then content matches. Like a push, it reads the folder's UIDs
// (with sizes, summed) first; it fetches Message-IDs only of the UIDs no
// journal record claims (candidates, extras), and dates and flags of the
// journalled ones a segment at a time.
func (r *reconcileFolderState) compareDest(ctx context.Context, dc *Conn, snap *folderSnapshot, f *FolderReconcile) error {
	_, exists, err := dc.destStatus(ctx, r.fm.Dest)
	if err != nil {
		return err
	}
	d := &destIndex{}
	var uv uint32
	if exists {
		var sel *imap.SelectData
		err := dc.do(ctx, func() (err error) {
			sel, err = dc.Select(r.fm.Dest, &imap.SelectOptions{ReadOnly: true}).Wait()
			return
		})
		if err != nil {
			return fmt.Errorf("open destination folder %q read-only: %w", r.fm.Dest, classify(dc.ep.Addr(), err, ""))
		}
		uv = sel.UIDValidity
		if sel.NumMessages > 0 {
			var bytes int64
			if d.uids, bytes, err = dc.destUIDsAndBytes(ctx); err != nil {
				return err
			}
			f.DestMessages, f.DestBytes = len(d.uids), bytes
		}
	}
	claimed, lost := map[uint32]bool{}, map[store.PushKey]bool{}
	if len(d.uids) > 0 {
		if err := claimAll(ctx, dc, snap.walk(r.db, r.box, r.st, r.fm.Dest), r.fm.Dest, d, uv, claimed, lost); err != nil {
			return err
		}
	}
	pick := newSampler(snap.count(), r.opts.Sample)
	err = snap.walk(r.db, r.box, r.st, r.fm.Dest).each(func(seg []wantMsg) error {
		recs, err := journalRecords(r.db, r.box, r.fm.Dest, seg)
		if err != nil {
			return err
		}
		res := resolveClaimed(seg, recs, uv, d, claimed, lost)
		matched := res.confirmed
		if uids := res.checkUIDs(); len(uids) > 0 {
			hashes, err := dc.hashDest(ctx, uids)
			if err != nil {
				return err
			}
			for k, uid := range res.claimByHash(seg, hashes) {
				matched[k] = uid
			}
		}
		details, err := r.details(ctx, dc, d, res.confirmed)
		if err != nil {
			return err
		}
		var sample []wantMsg
		for _, w := range seg {
			uid, ok := matched[w.Key]
			dm, listed := details[uid]
			if !listed {
				dm, listed = d.byUID[uid]
			}
			ok = ok && listed // gone since its UID was read: not there now
			if pick.next(ok) {
				sample = append(sample, w)
			}
			if !ok {
				f.unmatched(w, recs, exists)
				continue
			}
			f.Matched++
			if !dm.Date.Equal(w.Rec.InternalDate) {
				i := issueOf(w, CodeDateDiffers, fmt.Sprintf("destination %s, source %s", dm.Date.UTC().Format("2006-01-02 15:04:05"), w.Rec.InternalDate.UTC().Format("2006-01-02 15:04:05")))
				i.DestUID = uid
				f.Mismatched = append(f.Mismatched, i)
			}
			if a, b := sortedFlags(dm.Flags), sortedFlags(w.Rec.Flags); a != b {
				i := issueOf(w, CodeFlagsDiffer, fmt.Sprintf("destination [%s], source [%s]", a, b))
				i.DestUID = uid
				f.FlagsDiffer = append(f.FlagsDiffer, i)
			}
		}
		return r.sampleBytes(ctx, dc, sample, matched, f)
	})
	if err != nil {
		return err
	}
	for _, u := range d.uids {
		if !claimed[u] {
			m := d.byUID[u]
			f.Extra = append(f.Extra, Issue{DestUID: u, Size: m.Size, MessageID: m.MessageID, Code: CodeExtra, Text: "on the destination, not from this migration"})
		}
	}
	return nil
}

// details fetches the dates and flags of a segment's journalled matches
// (those found by content were listed with the unclaimed UIDs).
func (r *reconcileFolderState) details(ctx context.Context, dc *Conn, d *destIndex, confirmed map[store.PushKey]uint32) (map[uint32]destMsg, error) {
	var need []uint32
	for _, uid := range confirmed {
		if _, ok := d.byUID[uid]; !ok {
			need = append(need, uid)
		}
	}
	out := map[uint32]destMsg{}
	if len(need) == 0 {
		return out, nil
	}
	slices.Sort(need)
	listing, err := dc.listUIDs(ctx, need, false)
	for _, m := range listing {
		out[m.UID] = m
	}
	return out, err
}

// unmatched files a stored message that is not on the destination, with
// the reason the journal knows.
func (f *FolderReconcile) unmatched(w wantMsg, recs map[store.PushKey]store.PushRecord, exists bool) {
	rec, ok := recs[w.Key]
	switch {
	case ok && rec.State == store.PushFailed && rec.Reason == CodeTooBig:
		f.Skipped = append(f.Skipped, issueOf(w, CodeTooBig, rec.Text))
	case ok && rec.State == store.PushFailed:
		f.Missing = append(f.Missing, issueOf(w, rec.Reason, rec.Text))
	case ok && rec.State == store.PushIntent:
		f.Missing = append(f.Missing, issueOf(w, CodeUnknown, "sent, but the answer was lost and it is not on the destination: push again"))
	case !exists:
		f.Missing = append(f.Missing, issueOf(w, CodeNoDestFolder, "the destination folder does not exist: push"))
	default:
		f.Missing = append(f.Missing, issueOf(w, CodeNotPushed, "not on the destination: push"))
	}
}

func sortedFlags(fl []string) string {
	out := make([]string, 0, len(fl))
	for _, f := range fl {
		if !strings.EqualFold(f, `\Recent`) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
