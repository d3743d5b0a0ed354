package sync

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/store"
)

// destStatus asks a destination folder's UIDVALIDITY, UIDNEXT and count;
// exists is false when the server says there is no such folder.
func (c *Conn) destStatus(ctx context.Context, name string) (st *imap.StatusData, exists bool, err error) {
	err = c.do(ctx, func() (err error) {
		st, err = c.Status(name, &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}).Wait()
		return
	})
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("status of destination folder %q: %w", name, classify(c.ep.Addr(), err, ""))
	}
	return st, true, nil
}

// createFolder creates a destination folder (and, on servers that need it,
// its parents); one that already exists is fine.
func (c *Conn) createFolder(ctx context.Context, name string) error {
	if isInbox(name) {
		return nil
	}
	err := c.do(ctx, func() error { return c.Create(name, nil).Wait() })
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create destination folder %q: %w", name, classify(c.ep.Addr(), err, ""))
	}
	return nil
}

// destUIDsAndBytes reads the selected folder's UIDs (sorted) and the sum
// of its messages' sizes, streaming: 4 bytes a message are kept.
func (c *Conn) destUIDsAndBytes(ctx context.Context) ([]uint32, int64, error) {
	var uids []uint32
	var bytes int64
	err := c.doStream(ctx, func(touch func()) error {
		cmd := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, RFC822Size: true})
		defer cmd.Close()
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			touch()
			var uid uint32
			var size int64
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = uint32(it.UID)
				case imapclient.FetchItemDataRFC822Size:
					size = it.Size
				}
			}
			if uid != 0 {
				uids, bytes = append(uids, uid), bytes+size
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, 0, classify(c.ep.Addr(), err, "")
	}
	slices.Sort(uids)
	return uids, bytes, nil
}

// listRangesMax bounds the ranges of one UID FETCH (its command line:
// Dovecot refuses lines over 64 KB by default).
const listRangesMax = 1000

// listUIDs reads the UIDs, sizes, Message-IDs, dates and flags (no bodies)
// of some messages of the selected folder (uids, sorted), streaming, in
// commands of at most listRangesMax ranges; without envelope, Message-IDs
// are left out.
func (c *Conn) listUIDs(ctx context.Context, uids []uint32, envelope bool) ([]destMsg, error) {
	var out []destMsg
	for len(uids) > 0 {
		var set imap.UIDSet
		set, uids = uidRanges(uids, listRangesMax)
		var err error
		if out, err = c.fetchListing(ctx, set, out, envelope); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// uidRanges takes the first limit ranges of consecutive UIDs off sorted
// uids, and returns them with the UIDs left.
func uidRanges(uids []uint32, limit int) (imap.UIDSet, []uint32) {
	var set imap.UIDSet
	n := 0
	for n < len(uids) && len(set) < limit {
		start := uids[n]
		for n++; n < len(uids) && uids[n] == uids[n-1]+1; n++ {
		}
		set = append(set, imap.UIDRange{Start: imap.UID(start), Stop: imap.UID(uids[n-1])})
	}
	return set, uids[n:]
}

// fetchListing appends to out what listUIDs reads, for the messages of set.
func (c *Conn) fetchListing(ctx context.Context, set imap.NumSet, out []destMsg, envelope bool) ([]destMsg, error) {
	err := c.doStream(ctx, func(touch func()) error {
		cmd := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, Envelope: envelope, InternalDate: true, Flags: true})
		defer cmd.Close()
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			touch()
			var d destMsg
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					d.UID = uint32(it.UID)
				case imapclient.FetchItemDataRFC822Size:
					d.Size = it.Size
				case imapclient.FetchItemDataEnvelope:
					if it.Envelope != nil {
						d.MessageID = it.Envelope.MessageID
					}
				case imapclient.FetchItemDataInternalDate:
					d.Date = it.Time
				case imapclient.FetchItemDataFlags:
					d.Flags = flagStrings(it.Flags)
				}
			}
			if d.UID != 0 {
				out = append(out, d)
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, classify(c.ep.Addr(), err, "")
	}
	return out, nil
}

// hashDest fetches whole messages of the selected folder and returns their
// SHA-256, streaming each body through the hasher (memory stays flat), so
// its replies may carry literals up to the message size limit. A literal
// that fails or ends short gives the connection up (abandon): the command
// is never closed, so go-imap never re-reads a dead literal.
func (c *Conn) hashDest(ctx context.Context, uids []uint32) (map[uint32]store.Hash, error) {
	defer c.wholeMessages()()
	out := map[uint32]store.Hash{}
	for len(uids) > 0 {
		batch := uids[:min(len(uids), 200)]
		uids = uids[len(batch):]
		var set imap.UIDSet
		for _, u := range batch {
			set.AddNum(imap.UID(u))
		}
		err := c.doStream(ctx, func(touch func()) error {
			cmd := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
			for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
				var uid uint32
				var sum store.Hash
				got := false
				for item := msg.Next(); item != nil; item = msg.Next() {
					switch it := item.(type) {
					case imapclient.FetchItemDataUID:
						uid = uint32(it.UID)
					case imapclient.FetchItemDataBodySection:
						if it.Literal == nil {
							continue
						}
						h := sha256.New()
						lit := newLiteralTap(it.Literal, touch)
						if err := lit.done(io.Copy(h, lit)); err != nil {
							return abandon(c, &lit.endedReader, err)
						}
						copy(sum[:], h.Sum(nil))
						got = true
					}
				}
				if uid != 0 && got {
					out[uid] = sum
				}
			}
			return cmd.Close()
		})
		if err != nil {
			return nil, classify(c.ep.Addr(), err, "")
		}
	}
	return out, nil
}

// literalTap reads one FETCH literal: it marks activity, counts the bytes
// and remembers its end, so that a caller can tell a literal cut short
// (the connection died) from a complete one and give the connection up
// with abandon.
type literalTap struct {
	endedReader
	size  int64
	n     int64
	touch func()
}

func newLiteralTap(l imap.LiteralReader, touch func()) *literalTap {
	return &literalTap{endedReader: endedReader{r: l}, size: l.Size(), touch: touch}
}

func (t *literalTap) Read(p []byte) (int, error) {
	n, err := t.endedReader.Read(p)
	t.n += int64(n)
	t.touch()
	return n, err
}

// done is nil when the literal was read whole without error.
func (t *literalTap) done(_ int64, err error) error {
	if err == nil && t.n != t.size {
		err = fmt.Errorf("the server's message ended after %d of %d bytes: %w", t.n, t.size, io.ErrUnexpectedEOF)
	}
	return err
}
