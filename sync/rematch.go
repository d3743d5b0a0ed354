package sync

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// contentKey finds the kept records a message may be, after a UIDVALIDITY
// change: Message-ID, size and received time (rematch then compares the
// header too).
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
// kept aside, with no body fetch, and indexes them under their new UIDs
// with their known content hash. A message is taken for a kept record
// when its Message-ID (read from its header), size and received time are
// the record's and its whole header is byte for byte the stored message's
// header: equal metadata alone could take a message that arrived since
// (no Message-ID, the same size and second) for a deleted one, and index
// the new UID with the old bytes. Anything not recognised is fetched and
// stored as new.
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
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	// go-imap holds each header whole, one message at a time: more than
	// the default reply bound (a header of a megabyte or two is rare but
	// valid), less than a whole message's.
	defer c.tap.bounded(headerBound)()
	var tap headerTap
	matched := map[uint32]bool{}
	for start := 0; start < len(todo); start += r.opts.BatchSize {
		batch := todo[start:min(start+r.opts.BatchSize, len(todo))]
		var recs []store.MessageRecord
		err := c.doStream(ctx, func(touch func()) error {
			cmd := c.Fetch(uidSet(batch), &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true,
				BodySection: []*imap.FetchItemBodySection{header}})
			for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
				touch()
				buf, err := msg.Collect()
				if err != nil {
					cmd.Close()
					return err
				}
				head := buf.FindBodySection(header)
				tap.reset()
				tap.Write(head)
				k := contentKey(tap.MessageID(), buf.RFC822Size, buf.InternalDate)
				if list := cands[k]; len(list) > 0 && sameContent(list) && r.storedHeaderIs(list[0].Hash, head) {
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

// headerBound lets a re-match's header through: Postfix keeps at most
// 100 KB of a header and Exchange 256 KB by default; 16 MB is far beyond
// any server's and little to hold for one message.
var headerBound = &tapBound{literal: 16 << 20, what: "a message's header"}

// storedHeaderIs tells whether the stored message h begins with head (the
// server's BODY[HEADER], the blank line included). Any failure to read it
// says no: the message is then fetched again, which costs time, never
// data.
func (r *run) storedHeaderIs(h store.Hash, head []byte) bool {
	if len(head) == 0 {
		return false
	}
	m, err := r.db.OpenMessage(h)
	if err != nil {
		return false
	}
	defer m.Close()
	stored := make([]byte, len(head))
	if _, err := io.ReadFull(m, stored); err != nil {
		return false
	}
	return bytes.Equal(stored, head)
}
