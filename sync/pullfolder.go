package sync

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

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
	}
	hw := max(st.HighWater, 1)
	var todo []uint32
	if sel.NumMessages > 0 {
		if todo, err = c.uidsFrom(ctx, hw); err != nil {
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
	newHW, err := r.fetchBodies(ctx, c, box, &st, todo, &rep)
	if err != nil {
		return rep, err
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
// server answers n:* with the last message even when n is past it).
func (c *Conn) uidsFrom(ctx context.Context, from uint32) ([]uint32, error) {
	var data *imap.SearchData
	err := c.do(ctx, func() (err error) {
		var set imap.UIDSet
		set.AddRange(imap.UID(from), 0)
		data, err = c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
		return
	})
	if err != nil {
		return nil, classify(c.ep.Addr(), err, "")
	}
	var out []uint32
	for _, u := range data.AllUIDs() {
		if uint32(u) >= from {
			out = append(out, uint32(u))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

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

// contentKey identifies a message without its body, for re-matching after a
// UIDVALIDITY change: Message-ID, size and received time.
func contentKey(msgID string, size int64, date time.Time) string {
	return msgID + "\x00" + strconv.FormatInt(size, 10) + "\x00" + strconv.FormatInt(date.Unix(), 10)
}

// sameContent is true when every candidate has the same bytes. Equal
// metadata with different bodies (imapsync's classic loss) is ambiguous:
// those messages are fetched again rather than guessed.
func sameContent(list []store.MessageRecord) bool {
	for _, m := range list[1:] {
		if m.Hash != list[0].Hash {
			return false
		}
	}
	return true
}

// rematch recognises messages of a renumbered folder among the records
// kept aside, by metadata only (no body fetch), and indexes them under
// their new UIDs with their known content hash.
func (r *run) rematch(ctx context.Context, c *Conn, box store.BoxKey, st *store.FolderState, todo []uint32) (map[uint32]bool, error) {
	aside, err := r.db.AsideRecords(box, st.Name)
	if err != nil {
		return nil, err
	}
	cands := map[string][]store.MessageRecord{}
	for _, m := range aside {
		k := contentKey(m.MessageID, m.Size, m.InternalDate)
		cands[k] = append(cands[k], m)
	}
	matched := map[uint32]bool{}
	for start := 0; start < len(todo); start += r.opts.BatchSize {
		batch := todo[start:min(start+r.opts.BatchSize, len(todo))]
		var recs []store.MessageRecord
		err := c.doStream(ctx, func(touch func()) error {
			cmd := c.Fetch(uidSet(batch), &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true, Envelope: true})
			for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
				touch()
				buf, err := msg.Collect()
				if err != nil {
					cmd.Close()
					return err
				}
				msgID := ""
				if buf.Envelope != nil {
					msgID = buf.Envelope.MessageID
				}
				k := contentKey(msgID, buf.RFC822Size, buf.InternalDate)
				if list := cands[k]; len(list) > 0 && sameContent(list) {
					rec := list[0]
					cands[k] = list[1:]
					rec.UIDValidity, rec.UID, rec.Flags = st.UIDValidity, uint32(buf.UID), flagStrings(buf.Flags)
					recs = append(recs, rec)
					matched[uint32(buf.UID)] = true
				}
			}
			return cmd.Close()
		})
		if err != nil {
			return nil, fmt.Errorf("re-match %q: %w", st.Name, classify(c.ep.Addr(), err, ""))
		}
		if err := r.db.CommitPulled(store.PulledBatch{Box: box, Folder: *st, Messages: recs}); err != nil {
			return nil, err
		}
		r.opts.Progress.Stored(box.MailboxID, len(recs), 0)
	}
	return matched, nil
}

// fetchBodies streams the bodies of todo (ascending UIDs) into a pack,
// committing every batch: the pack is synced once, then records and the
// folder's high-water mark go into bbolt together (on the committer's
// goroutine, overlapping the next batch's fetch). It returns the UID of
// the first message that could not be stored (0 when none), which is where
// the high-water mark must stop.
func (r *run) fetchBodies(ctx context.Context, c *Conn, box store.BoxKey, st *store.FolderState, todo []uint32, rep *FolderReport) (uint32, error) {
	if len(todo) == 0 {
		return 0, nil
	}
	pw, err := r.db.NewPackWriter()
	if err != nil {
		return 0, err
	}
	defer pw.Close()
	mb := box.MailboxID
	cm := newCommitter(r.db, func(pb pendingBatch) {
		rep.Stored += len(pb.batch.Messages)
		r.mu.Lock()
		r.bytes += pb.bytes
		r.mu.Unlock()
		r.opts.Progress.Stored(mb, len(pb.batch.Messages), pb.bytes)
	})
	var firstFailed uint32
	loopErr := func() error {
		for len(todo) > 0 {
			batch := todo[:min(r.opts.BatchSize, len(todo))]
			res := batchResult{blobs: map[store.Hash]store.Blob{}, got: map[uint32]bool{}}
			err := c.doStream(ctx, func(touch func()) error {
				return r.fetchBatch(c, pw, batch, st.UIDValidity, &res, touch, r.opts.CommitBytes)
			})
			if err != nil && len(res.recs) == 0 {
				return fmt.Errorf("fetch from %q: %w", st.Name, classify(c.ep.Addr(), err, ""))
			}
			seenUpTo := answeredUpTo(batch, &res, err == nil && !res.cut)
			vanished := map[uint32]string{}
			if err == nil && len(res.failed) > 0 {
				// A reply without a body is what an expunge under our feet
				// looks like: ask whether those messages still exist.
				gone, serr := c.missing(ctx, res.failed)
				if serr != nil {
					return fmt.Errorf("re-check messages of %q: %w", st.Name, serr)
				}
				for u := range gone {
					delete(res.failed, u)
					vanished[u] = "expunged at the source while being copied (the server sent no body)"
					rep.Vanished++
				}
			}
			for _, u := range batch {
				switch {
				case res.failed[u] != "":
					rep.Failed++
					r.opts.Progress.Problem(mb, st.Name, u, res.failed[u])
					if firstFailed == 0 || u < firstFailed {
						firstFailed = u
					}
				case u <= seenUpTo && !res.got[u] && vanished[u] == "":
					vanished[u] = "expunged at the source while being copied"
					rep.Vanished++
				}
			}
			durable, ferr := pw.Flush()
			if ferr != nil {
				return ferr
			}
			// The high-water mark never passes a UID not yet dealt with.
			next := st.HighWater
			if cand := seenUpTo + 1; firstFailed != 0 && firstFailed < cand {
				next = max(next, firstFailed)
			} else {
				next = max(next, cand)
			}
			commit := *st
			commit.HighWater = next
			commit.Inventory.UIDNext = 0 // the folder is not finished
			if cerr := cm.submit(pendingBatch{durable: durable, bytes: res.bytes,
				batch: store.PulledBatch{Box: box, Folder: commit, Messages: res.recs, Blobs: res.blobs, Vanished: vanished}}); cerr != nil {
				return cerr
			}
			st.HighWater = next
			if err != nil {
				return fmt.Errorf("fetch from %q: %w", st.Name, classify(c.ep.Addr(), err, ""))
			}
			todo = remaining(todo, len(batch), seenUpTo, &res)
		}
		return nil
	}()
	if err := cm.finish(); loopErr == nil {
		loopErr = err
	}
	return firstFailed, loopErr
}

// remaining drops a committed batch from todo. Of a batch cut short (byte
// threshold), the UIDs neither stored nor dealt with are asked again; every
// round stores at least one message, so the loop ends.
func remaining(todo []uint32, batchLen int, upTo uint32, res *batchResult) []uint32 {
	var again []uint32
	for _, u := range todo[:batchLen] {
		if u > upTo && !res.got[u] && res.failed[u] == "" {
			again = append(again, u)
		}
	}
	return append(again, todo[batchLen:]...)
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
		if !res.got[u] && res.failed[u] == "" {
			break
		}
		upTo = u
	}
	return upTo
}

type batchResult struct {
	recs    []store.MessageRecord
	blobs   map[store.Hash]store.Blob
	got     map[uint32]bool   // answered with a body (stored)
	failed  map[uint32]string // answered without what a message needs
	lastUID uint32
	bytes   int64
	cut     bool // stopped early at the byte threshold
}

// fetchBatch runs one UID FETCH of bodies, streaming each literal into the
// pack and the hasher together. A reply without a body or INTERNALDATE is
// never stored as a message.
func (r *run) fetchBatch(c *Conn, pw *store.PackWriter, batch []uint32, uv uint32, res *batchResult, touch func(), limit int64) error {
	// No ENVELOPE: the Message-ID is read from the header as the body
	// streams by, which spares the server building envelopes.
	cmd := c.Fetch(uidSet(batch), &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	var tap headerTap
	var lit *endedReader
	res.failed = map[uint32]string{}
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		touch()
		rec := store.MessageRecord{UIDValidity: uv}
		var body bool
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				rec.UID = uint32(it.UID)
			case imapclient.FetchItemDataFlags:
				rec.Flags = flagStrings(it.Flags)
			case imapclient.FetchItemDataInternalDate:
				rec.InternalDate = it.Time
			case imapclient.FetchItemDataRFC822Size:
				rec.Size = it.Size
			case imapclient.FetchItemDataEnvelope:
				if it.Envelope != nil {
					rec.MessageID = it.Envelope.MessageID
				}
			case imapclient.FetchItemDataBodySection:
				if it.Literal == nil {
					continue
				}
				lit = &endedReader{r: it.Literal}
				if it.Literal.Size() > r.opts.MaxMessageBytes {
					return abandon(c, lit, fmt.Errorf("the server announced a message of %d bytes (uid %d), over the %d-byte limit: refusing it", it.Literal.Size(), rec.UID, r.opts.MaxMessageBytes))
				}
				tap.reset()
				h, bl, err := pw.Append(io.TeeReader(touchReader{lit, touch}, &tap), it.Literal.Size())
				if err != nil {
					return abandon(c, lit, err)
				}
				rec.MessageID = tap.MessageID()
				rec.Hash, body = h, true
				res.blobs[h] = bl
				rec.Size = int64(bl.Size)
			}
		}
		if rec.UID == 0 {
			continue // an unsolicited FETCH (flag change) without UID
		}
		res.lastUID = max(res.lastUID, rec.UID)
		switch {
		case !body:
			res.failed[rec.UID] = "the server sent no body for this message"
		case rec.InternalDate.IsZero():
			res.failed[rec.UID] = "the server sent no received date (INTERNALDATE) for this message"
		default:
			res.recs = append(res.recs, rec)
			res.got[rec.UID] = true
			res.bytes += rec.Size
		}
		if res.bytes >= limit && rec.UID != batch[len(batch)-1] {
			// Commit what we have; the rest of the batch is asked again.
			res.cut = true
			return cmd.Close()
		}
	}
	return cmd.Close()
}

// abandon gives up a FETCH in the middle of a literal: the connection is
// cut, the literal read to its (now immediate) end unless it already
// ended, and the client closed; the command is never Closed. go-imap
// (beta.8) blocks its reader goroutine until a literal ends, and lets
// FetchCommand.Close re-read a literal that failed while that goroutine
// moves on (a data race); the connection is discarded anyway.
func abandon(c *Conn, lit *endedReader, err error) error {
	c.raw.Close()
	if !lit.ended {
		io.Copy(io.Discard, lit)
	}
	c.Close()
	return err
}

// endedReader remembers that a reader returned an error or EOF.
type endedReader struct {
	r     io.Reader
	ended bool
}

func (e *endedReader) Read(p []byte) (int, error) {
	if e.ended {
		return 0, io.EOF
	}
	n, err := e.r.Read(p)
	e.ended = err != nil
	return n, err
}

// touchReader marks activity as a long literal streams in.
type touchReader struct {
	r     interface{ Read([]byte) (int, error) }
	touch func()
}

func (t touchReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.touch()
	return n, err
}
