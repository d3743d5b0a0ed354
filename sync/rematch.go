package sync

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

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
