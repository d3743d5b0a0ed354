package sync

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/store"
)

// upload sends todo in windows over the folder's upload session (or c's
// own, borrowed: push_borrow.go; or c by go-imap's APPEND where the
// server offers nothing better or the options ask for it) and, at the
// same time, over the sessions of idle workers that join (uploadJob,
// whose comment argues why several sessions appending to one folder keep
// each message exactly once). Each window's intents (destination
// UIDVALIDITY, a lower bound of its UIDNEXT, hash, size, Message-ID) are
// durable before its first byte is sent. A crash anywhere leaves intents,
// which the next run resolves by searching the destination before it
// sends anything again. upload returns only when no session is sending
// for the folder any more, with the UIDNEXT lower bound raised past the
// UIDs the server reported (for the next segment).
func (fp *folderPush) upload(ctx context.Context, c *Conn, todo []wantMsg, uv, uidNext uint32, recs map[store.PushKey]store.PushRecord) (uint32, error) {
	if len(todo) == 0 {
		return uidNext, nil
	}
	send := func(ctx context.Context, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
		return fp.sendWindow(ctx, c, win, uv)
	}
	via := viaAppend
	switch {
	case fp.session(ctx, c) != nil:
		fp.wired, via = true, viaWire
		send = func(ctx context.Context, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
			return fp.sendWire(ctx, fp.wire, win, uv)
		}
	case !fp.pr.opts.PlainAppend && wireWorthIt(c.Caps()):
		via = viaBorrowed
		send = func(ctx context.Context, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
			return fp.sendBorrowed(ctx, c, win, uv)
		}
	}
	j := newUploadJob(fp, todo, uv, uidNext, recs, via)
	fp.pr.offer(j)
	err := j.take(ctx, send)
	j.leave()
	fp.pr.withdraw(j)
	if jerr := j.finish(); err == nil {
		err = jerr
	}
	j.release()
	return j.uidNext, err
}

// sendWindow pipelines one APPEND per message (flags without \Recent, the
// original INTERNALDATE) and classifies each answer. A message whose
// answer never came has no outcome: its intent stands. A server may refuse
// an APPEND before taking its literal (quota, size): that refusal is an
// answer, and the window stops there; sent says how many were answered or
// sent.
func (fp *folderPush) sendWindow(ctx context.Context, c *Conn, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
	out := map[store.PushKey]store.PushRecord{}
	var cmds []*imapclient.AppendCommand
	err := c.doStream(ctx, func(touch func()) error {
		var werr error
		for _, w := range win {
			if werr = fp.writeAppend(c, w, touch, &cmds); werr != nil {
				break
			}
		}
		writeFailed := werr != nil
		for i, cmd := range cmds {
			data, err := cmd.Wait()
			touch()
			w := win[i]
			if err == nil {
				uid := uint32(0)
				if data != nil && data.UIDValidity == uv {
					uid = uint32(data.UID)
				}
				out[w.Key] = doneRecord(w, uv, uid)
				continue
			}
			var ie *imap.Error
			if !errors.As(err, &ie) {
				if werr == nil {
					werr = err
				}
				continue // no answer: outcome unknown
			}
			if ie.Code == imap.ResponseCodeTryCreate {
				if werr == nil {
					werr = fmt.Errorf("the destination folder %q disappeared during the upload", fp.u.dest)
				}
				continue
			}
			out[w.Key] = refusal(w, ie)
			if writeFailed && i == len(cmds)-1 {
				// Refused before its literal: an answer, not a broken
				// link. go-imap closes the connection after it, though:
				// the next window fails, and the retry leaves the
				// refused message out (folderPush.refused).
				werr = nil
			}
		}
		return werr
	})
	if err != nil {
		return out, len(cmds), fmt.Errorf("upload to %q: %w", fp.u.dest, classify(c.ep.Addr(), err, ""))
	}
	return out, len(cmds), nil
}

// writeAppend streams one stored message into an APPEND command.
func (fp *folderPush) writeAppend(c *Conn, w wantMsg, touch func(), cmds *[]*imapclient.AppendCommand) error {
	body, err := fp.pr.db.OpenMessage(w.Key.Hash)
	if err != nil {
		return fmt.Errorf("read stored message uid %d: %w", w.Rec.UID, err)
	}
	defer body.Close()
	var flags []imap.Flag
	for _, f := range uploadFlags(w.Rec.Flags) {
		flags = append(flags, imap.Flag(f))
	}
	cmd := c.Append(fp.u.dest, w.Rec.Size, &imap.AppendOptions{Flags: flags, Time: w.Rec.InternalDate})
	*cmds = append(*cmds, cmd)
	n, err := io.CopyN(cmd, touchReader{body, touch}, w.Rec.Size)
	if cerr := cmd.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("send message uid %d (%d of %d bytes): %w", w.Rec.UID, n, w.Rec.Size, err)
	}
	return nil
}
