package sync

import (
	"context"
	"fmt"
	"io"

	"mailshift/store"
)

// fetchChunk streams the bodies of one range's UIDs (ascending) on c into
// pw with one FETCH, and hands the stream to cm in group commits of about
// BatchSize messages or CommitBytes (the pack is synced once, then records
// and the folder's high-water mark are indexed in one transaction) while
// the rest of the range still streams in. One FETCH per range, not per
// commit: Dovecot pays for every FETCH command, more the larger the
// folder (measured at 100,000 messages, 40,000 of them in INBOX:
// the same bodies asked in 500-UID FETCHes cost the server 8.4 CPU-s
// instead of 4.5, and a trivial client fell from 19,481 to 11,372 msgs/s).
// A message answered without a body or date is reported and marks where
// the high-water mark must stop. On failure it returns the UIDs of the
// range not yet dealt with, for another connection or a retry.
func (f *folderFetch) fetchChunk(ctx context.Context, c *Conn, pw *store.PackWriter, cm *committer, w chunkWork) ([]uint32, error) {
	r, name, uv, mb := f.r, f.st.Name, f.st.UIDValidity, f.box.MailboxID
	todo := w.todo
	for len(todo) > 0 {
		span := todo
		res := batchResult{blobs: map[store.Hash]store.Blob{}, got: newUIDMarks(span)}
		// commit hands what is stored since the last commit to cm, with the
		// range's mark upTo.
		commit := func(upTo uint32, done bool, failed []uint32, vanished map[uint32]string) error {
			durable, err := pw.Flush()
			if err != nil {
				return err
			}
			pb := pendingBatch{durable: durable, bytes: res.bytes, chunk: w.idx, upTo: upTo, done: done, failed: failed,
				batch: store.PulledBatch{Box: f.box, Messages: res.recs, Blobs: res.blobs, Indexed: res.indexed, Vanished: vanished}}
			if err := cm.submit(pb); err != nil {
				return err // not handed over: its records are still unsent
			}
			res.recs, res.blobs, res.indexed, res.bytes = nil, map[store.Hash]store.Blob{}, nil, 0
			return nil
		}
		// part is a group commit in the middle of the FETCH: the mark goes
		// only as far as every UID is stored (an unanswered UID may still
		// come; a failed one is dealt with at the end), never done.
		part := func() error { return commit(res.storedUpTo(span), false, nil, nil) }
		err := c.doStream(ctx, func(touch func()) error {
			return r.fetchBatch(c, pw, span, uv, &res, touch, part)
		})
		if err != nil && !res.got.any() {
			return todo, fmt.Errorf("fetch from %q: %w", name, classify(c.ep.Addr(), err, ""))
		}
		seenUpTo := answeredUpTo(span, &res, err == nil)
		vanished := map[uint32]string{}
		if err == nil && len(res.failed) > 0 {
			// A reply without a body is what an expunge under our feet
			// looks like: ask whether those messages still exist.
			gone, serr := c.missing(ctx, res.failed)
			if serr != nil {
				return unsent(todo, &res), fmt.Errorf("re-check messages of %q: %w", name, serr)
			}
			for u := range gone {
				delete(res.failed, u)
				vanished[u] = "expunged at the source while being copied (the server sent no body)"
			}
		}
		var failed []uint32
		for _, u := range span {
			switch {
			case res.failed[u] != "":
				failed = append(failed, u)
				r.opts.Progress.Problem(mb, name, u, res.failed[u])
			case u <= seenUpTo && !res.got.has(u) && vanished[u] == "":
				vanished[u] = "expunged at the source while being copied"
			}
		}
		rest := remaining(todo, len(span), seenUpTo, &res)
		if cerr := commit(seenUpTo, len(rest) == 0, failed, vanished); cerr != nil {
			return unsent(todo, &res), cerr
		}
		if err != nil {
			return rest, fmt.Errorf("fetch from %q: %w", name, classify(c.ep.Addr(), err, ""))
		}
		todo = rest
	}
	return nil, nil
}

// fetchBatch runs one UID FETCH of bodies, streaming each literal into the
// pack and the hasher together, and calls part for a group commit every
// BatchSize messages or CommitBytes. A reply without a body or
// INTERNALDATE is never stored as a message. The replies are read by the
// connection itself (fetchWire), not by go-imap.
func (r *run) fetchBatch(c *Conn, pw *store.PackWriter, batch []uint32, uv uint32, res *batchResult, touch func(), part func() error) error {
	// No ENVELOPE: the Message-ID is read from the header as the body
	// streams by, which spares the server building envelopes. No
	// RFC822.SIZE either: the size is the literal's, and a server that has
	// not yet cached a message's size (Dovecot, for a Maildir file without
	// W= in its name) reads the message once more to count it. (Its effect
	// alone was not measured; asking only what is used costs nothing.)
	var tap headerTap
	var stored struct {
		hash  store.Hash
		blob  store.Blob
		msgID string
		ok    bool
		known bool // the bytes are indexed already or with the batch: blob is not put with the batch (storeOnce)
	}
	res.failed = map[uint32]string{}
	body := func(it *fetchItems, lit io.Reader, size int64) error {
		touch()
		if size > r.opts.MaxMessageBytes {
			return fmt.Errorf("the server announced a message of %d bytes (uid %d), over the %d-byte limit: refusing it", size, it.uid, r.opts.MaxMessageBytes)
		}
		tap.reset()
		h, bl, err := pw.Append(io.TeeReader(touchReader{lit, touch}, &tap), size)
		if err != nil {
			return err
		}
		bl, known := r.storeOnce(pw, res, h, bl)
		stored.hash, stored.blob, stored.msgID, stored.ok, stored.known = h, bl, tap.MessageID(), true, known
		return nil
	}
	end := func(it *fetchItems) error {
		touch()
		got := stored
		stored.ok = false
		if it.uid == 0 {
			return nil // an unsolicited FETCH (flag change) without UID
		}
		rec := store.MessageRecord{UIDValidity: uv, UID: it.uid, Flags: it.flags, InternalDate: it.date}
		switch {
		case !got.ok:
			res.failed[rec.UID] = "the server sent no body for this message"
		case rec.InternalDate.IsZero():
			res.failed[rec.UID] = "the server sent no received date (INTERNALDATE) for this message"
		default:
			rec.Hash, rec.MessageID, rec.Size = got.hash, got.msgID, int64(got.blob.Size)
			if !got.known {
				res.blobs[got.hash] = got.blob
			}
			res.recs = append(res.recs, rec)
			res.got.mark(rec.UID)
			res.bytes += rec.Size
		}
		if (len(res.recs) >= r.opts.BatchSize || res.bytes >= r.opts.CommitBytes) && rec.UID != batch[len(batch)-1] {
			// (At the range's last UID the final commit follows anyway.)
			return part()
		}
		return nil
	}
	return c.fetchWire(uidSet(batch).String()+" (UID FLAGS INTERNALDATE BODY.PEEK[])", body, end)
}

// abandon gives up a go-imap FETCH in the middle of a literal: the
// connection is cut, the literal read to its (now immediate) end unless it
// already ended, and the client closed; the command is never Closed. go-imap
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
