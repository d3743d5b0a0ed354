package sync

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"mailshift/store"
)

// A folder's push holds its messages a segment at a time (pushSegment of
// them, in UID order), never the whole folder: a folder of a million
// messages needs what one of 5,000 needs, plus a few bytes per message
// (folderSnapshot) and, when the destination folder is not empty, its UIDs
// and the details of those no journal record claims (claimAll).
//
// Push keys number the copies of the same bytes within a folder (store.
// PushKey), which takes knowing the other copies of every message. The
// snapshot keeps an 8-byte prefix of each message's hash, sorted: only
// messages whose prefix occurs more than once are read again, once per
// snapshot, to number their copies (copyOrdinals). The walk also checks
// every message against the snapshot, so a folder whose stored messages
// changed under the push (a pull running beside it) cannot hand out one
// key twice: messages stored after the snapshot (UIDs above its last) wait
// for the next push, and any other change ends the attempt with
// errFolderChanged.

// pushSegment is how many of a folder's messages a push holds at a time;
// a variable so that tests can cut small folders into several segments.
var pushSegment = 5000

var errFolderChanged = errors.New("the folder's stored messages changed while it was being read (was a pull of this mailbox running at the same time?); run it again once the pull has finished")

// folderSnapshot is what a push (or a reconciliation) knows of a whole
// folder's stored messages for one pass: 8 bytes and one bit per message.
type folderSnapshot struct {
	prefixes []uint64 // each message's hash prefix, sorted
	taken    []uint64 // bit i: prefixes[i] was handed out by the walk
	last     uint32   // the highest UID stored when it was taken
	bytes    int64    // the messages' total size
	shared   bool     // some prefix occurs more than once
	// ordinals numbers the copies of bytes the folder holds more than
	// once (by UID; see copyOrdinals), for the destination folder named
	// ordinalsFor; nil until a walk needs them.
	ordinals    map[uint32]uint32
	ordinalsFor string
}

func hashPrefix(h store.Hash) uint64 { return binary.BigEndian.Uint64(h[:8]) }

// takeSnapshot reads a folder's stored messages once: those below upTo,
// or all of them when upTo is 0.
func takeSnapshot(db *store.DB, box store.BoxKey, st store.FolderState, upTo uint32) (*folderSnapshot, error) {
	s := &folderSnapshot{}
	last := ^uint32(0)
	if upTo != 0 {
		last = upTo - 1
	}
	err := db.ForEachMessageIn(box, st.Name, st.UIDValidity, 1, last, func(m store.MessageRecord) error {
		s.prefixes = append(s.prefixes, hashPrefix(m.Hash))
		s.last = m.UID
		s.bytes += m.Size
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(s.prefixes)
	for i := 1; i < len(s.prefixes) && !s.shared; i++ {
		s.shared = s.prefixes[i] == s.prefixes[i-1]
	}
	s.taken = make([]uint64, (len(s.prefixes)+63)/64)
	return s, nil
}

// sharesPrefix says whether more than one message has h's prefix.
func (s *folderSnapshot) sharesPrefix(h store.Hash) bool {
	p := hashPrefix(h)
	i, found := slices.BinarySearch(s.prefixes, p)
	return found && i+1 < len(s.prefixes) && s.prefixes[i+1] == p
}

// copyOrdinals numbers the copies of every message whose bytes the folder
// holds more than once, by source UID, for the push journal of destination
// folder dest (a PushKey's Ordinal). A copy keeps the ordinal whose journal
// record names its UID; the copies no record names take the ordinals left,
// lowest UID first. Numbering by UID order alone let a copy's key change
// between runs: when a pull stored a later copy first (the earlier one
// failed, or came in a range still being fetched) and a push ran between,
// the earlier copy took over the later one's key, hence its upload and
// received date, and the later one was sent again with its own date, so
// one copy's date was lost on the destination. Records without a source
// UID (older ones) name no copy: those folders keep UID order.
func (s *folderSnapshot) copyOrdinals(db *store.DB, box store.BoxKey, st store.FolderState, dest string) (map[uint32]uint32, error) {
	if s.ordinals != nil && s.ordinalsFor == dest {
		return s.ordinals, nil
	}
	copies := map[store.Hash][]uint32{} // in UID order
	if s.shared {
		err := db.ForEachMessageIn(box, st.Name, st.UIDValidity, 1, s.last, func(m store.MessageRecord) error {
			if s.sharesPrefix(m.Hash) {
				copies[m.Hash] = append(copies[m.Hash], m.UID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var keys []store.PushKey // of every copy of bytes held more than once: one read of the journal
	for h, uids := range copies {
		for k := 0; len(uids) > 1 && k < len(uids); k++ {
			keys = append(keys, store.PushKey{Hash: h, Ordinal: uint32(k)})
		}
	}
	recs := map[store.PushKey]store.PushRecord{}
	if len(keys) > 0 {
		var err error
		if recs, err = db.PushRecords(box.ProjectID, box.MailboxID, dest, keys); err != nil {
			return nil, err
		}
	}
	out := map[uint32]uint32{}
	for h, uids := range copies {
		if len(uids) == 1 {
			out[uids[0]] = 0
			continue
		}
		used := make([]bool, len(uids))
		for k := range uids {
			r, ok := recs[store.PushKey{Hash: h, Ordinal: uint32(k)}]
			if !ok || r.SourceUID == 0 || !slices.Contains(uids, r.SourceUID) {
				continue
			}
			if _, taken := out[r.SourceUID]; !taken {
				out[r.SourceUID], used[k] = uint32(k), true
			}
		}
		k := 0
		for _, u := range uids {
			if _, named := out[u]; named {
				continue
			}
			for used[k] {
				k++
			}
			out[u], used[k] = uint32(k), true
		}
	}
	s.ordinals, s.ordinalsFor = out, dest
	return out, nil
}

func (fp *folderPush) snapshot() (*folderSnapshot, error) {
	return takeSnapshot(fp.pr.db, fp.u.m.Box, fp.u.src, fp.u.upTo)
}

func (s *folderSnapshot) count() int { return len(s.prefixes) }

// take marks one message with hash h as walked. It returns whether the
// folder holds other messages with the same prefix (so the walk counts
// copies of h by full hash), and false in ok when the snapshot has no
// message with that prefix left: the folder changed.
func (s *folderSnapshot) take(h store.Hash) (shared, ok bool) {
	p := hashPrefix(h)
	i, found := slices.BinarySearch(s.prefixes, p)
	if !found {
		return false, false
	}
	j := i
	for j < len(s.prefixes) && s.prefixes[j] == p {
		j++
	}
	for k := i; k < j; k++ {
		if s.taken[k/64]&(1<<(k%64)) == 0 {
			s.taken[k/64] |= 1 << (k % 64)
			return j-i > 1, true
		}
	}
	return j-i > 1, false
}

// segmentWalk hands out a folder's messages with their push keys, a
// segment at a time, for one pass over the folder. A push's attempt makes
// up to three passes; each starts a new walk.
type segmentWalk struct {
	db   *store.DB
	box  store.BoxKey
	st   store.FolderState
	dest string // the destination folder whose journal numbers the copies
	snap *folderSnapshot
}

// walk walks the snapshot's messages as wanted by destination folder dest.
func (s *folderSnapshot) walk(db *store.DB, box store.BoxKey, st store.FolderState, dest string) *segmentWalk {
	clear(s.taken)
	return &segmentWalk{db: db, box: box, st: st, dest: dest, snap: s}
}

func (fp *folderPush) walk(snap *folderSnapshot) *segmentWalk {
	return snap.walk(fp.pr.db, fp.u.m.Box, fp.u.src, fp.u.dest)
}

var errSegmentFull = errors.New("segment full")

// each calls fn with every segment in UID order; fn's error ends the walk.
func (w *segmentWalk) each(fn func(seg []wantMsg) error) error {
	ordinals, err := w.snap.copyOrdinals(w.db, w.box, w.st, w.dest)
	if err != nil {
		return err
	}
	from := uint32(1)
	for {
		seg := make([]wantMsg, 0, min(pushSegment, w.snap.count()))
		next := uint32(0)
		err := w.db.ForEachMessageIn(w.box, w.st.Name, w.st.UIDValidity, from, w.snap.last, func(m store.MessageRecord) error {
			if len(seg) == pushSegment {
				next = m.UID
				return errSegmentFull
			}
			shared, ok := w.snap.take(m.Hash)
			if !ok {
				return fmt.Errorf("folder %q: %w", w.st.Name, errFolderChanged)
			}
			k := store.PushKey{Hash: m.Hash}
			if shared {
				ord, known := ordinals[m.UID]
				if !known { // stored after the copies were numbered
					return fmt.Errorf("folder %q: %w", w.st.Name, errFolderChanged)
				}
				k.Ordinal = ord
			}
			seg = append(seg, wantMsg{Key: k, Rec: m})
			return nil
		})
		if err != nil && err != errSegmentFull {
			return err
		}
		if len(seg) > 0 {
			if err := fn(seg); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		from = next
	}
}

// journalRecords returns the push journal records of a segment's messages
// meant for destination folder dest.
func journalRecords(db *store.DB, box store.BoxKey, dest string, seg []wantMsg) (map[store.PushKey]store.PushRecord, error) {
	keys := make([]store.PushKey, len(seg))
	for i, w := range seg {
		keys[i] = w.Key
	}
	return db.PushRecords(box.ProjectID, box.MailboxID, dest, keys)
}

func (fp *folderPush) records(seg []wantMsg) (map[store.PushKey]store.PushRecord, error) {
	return journalRecords(fp.pr.db, fp.u.m.Box, fp.u.dest, seg)
}

// claimAll is claimJournalled over a whole folder (w, a new walk), segment
// by segment; then it fetches the details of the destination's UIDs (d)
// that no journal record claimed: the only ones that can be a content
// match or an extra.
func claimAll(ctx context.Context, c *Conn, w *segmentWalk, dest string, d *destIndex, uv uint32, claimed map[uint32]bool, lost map[store.PushKey]bool) error {
	err := w.each(func(seg []wantMsg) error {
		recs, err := journalRecords(w.db, w.box, dest, seg)
		if err == nil {
			claimJournalled(seg, recs, uv, d, claimed, lost)
		}
		return err
	})
	if err != nil {
		return err
	}
	var unclaimed []uint32
	for _, u := range d.uids {
		if !claimed[u] {
			unclaimed = append(unclaimed, u)
		}
	}
	listing, err := c.listUIDs(ctx, unclaimed, true)
	if err != nil {
		return fmt.Errorf("list destination folder %q: %w", dest, err)
	}
	d.add(listing)
	return nil
}
