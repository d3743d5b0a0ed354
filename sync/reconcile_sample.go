package sync

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/store"
)

// sampler picks up to n matched messages spread evenly over a folder of
// count messages (every matched one when n < 0 or n >= count) as the
// folder goes by, without holding it: the k-th pick is due at message
// k*count/n and goes to the first matched message from there on that
// is not picked already.
type sampler struct {
	n, count int
	pos, due int // messages seen; picks that came due so far
	owed     int // picks due and not yet made (their messages were not matched)
	all      bool
}

func newSampler(count, n int) *sampler {
	return &sampler{n: n, count: count, all: n < 0 || n >= count}
}

// next is called for each message in order, with whether it is matched
// on the destination; true picks it.
func (s *sampler) next(matched bool) bool {
	pos := s.pos
	s.pos++
	if s.all {
		return matched
	}
	for s.due < s.n && s.due*s.count/s.n <= pos {
		s.due++
		s.owed++
	}
	if matched && s.owed > 0 {
		s.owed--
		return true
	}
	return false
}

// sampleBytes fetches the sample from the destination and compares each
// body byte for byte with the store, streaming both (memory stays flat), so
// its replies may carry literals up to the message size limit.
func (r *reconcileFolderState) sampleBytes(ctx context.Context, dc *Conn, sample []wantMsg, matched map[store.PushKey]uint32, f *FolderReconcile) error {
	if len(sample) == 0 {
		return nil
	}
	defer dc.wholeMessages()()
	byUID := map[uint32]wantMsg{}
	var set imap.UIDSet
	for _, w := range sample {
		uid := matched[w.Key]
		byUID[uid] = w
		set.AddNum(imap.UID(uid))
	}
	seen := map[uint32]bool{}
	err := dc.doStream(ctx, func(touch func()) error {
		// Never closed after a literal failed: see abandon.
		cmd := dc.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var uid uint32
			var same bool
			var got bool
			var body []byte // only when UID arrives after the body (rare): bounded by the message
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = uint32(it.UID)
				case imapclient.FetchItemDataBodySection:
					if it.Literal == nil {
						continue
					}
					got = true
					lit := newLiteralTap(it.Literal, touch)
					var err error
					if w, ok := byUID[uid]; ok && uid != 0 {
						same, err = r.sameBytes(w, lit)
					} else {
						body, err = io.ReadAll(lit)
					}
					if err = lit.done(0, err); err != nil {
						return abandon(dc, &lit.endedReader, err)
					}
				}
			}
			w, ok := byUID[uid]
			if !ok || !got {
				continue
			}
			if body != nil {
				s, err := r.sameBytes(w, bytes.NewReader(body))
				if err != nil {
					return err
				}
				same = s
			}
			seen[uid] = true
			f.Sampled++
			if !same {
				i := issueOf(w, CodeBytesDiffer, "the destination's copy is not byte-identical to the stored message")
				i.DestUID = uid
				f.Mismatched = append(f.Mismatched, i)
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return fmt.Errorf("fetch the sample from %q: %w", r.fm.Dest, classify(dc.ep.Addr(), err, ""))
	}
	for uid, w := range byUID {
		if !seen[uid] {
			i := issueOf(w, CodeBytesDiffer, "the destination sent no body for the sampled message")
			i.DestUID = uid
			f.Mismatched = append(f.Mismatched, i)
		}
	}
	return nil
}

// sameBytes compares a destination body with the stored message.
func (r *reconcileFolderState) sameBytes(w wantMsg, dest io.Reader) (bool, error) {
	rc, err := r.db.OpenMessage(w.Key.Hash)
	if err != nil {
		return false, fmt.Errorf("read stored message uid %d: %w", w.Rec.UID, err)
	}
	defer rc.Close()
	a, b := make([]byte, 32<<10), make([]byte, 32<<10)
	for {
		n, errA := io.ReadFull(dest, a)
		m, errB := io.ReadFull(rc, b[:n])
		if m != n || !bytes.Equal(a[:n], b[:m]) {
			io.Copy(io.Discard, dest)
			return false, nil
		}
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			extra, _ := io.ReadFull(rc, b[:1])
			return extra == 0, nil
		}
		if errA != nil {
			return false, errA
		}
		if errB != nil {
			io.Copy(io.Discard, dest)
			return false, nil
		}
	}
}
