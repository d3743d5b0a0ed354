package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/store"
)

// upload sends todo in windows. Each window's intents (destination
// UIDVALIDITY, the UIDNEXT before it, hash, size, Message-ID) are durable
// before its first byte is sent; its APPENDs go up as one MULTIAPPEND or
// pipelined; its outcomes are made durable in the same transaction as the
// next window's intents (one commit per window), or at the end. A crash
// anywhere leaves intents, which the next run resolves by searching the
// destination before it sends anything again.
func (fp *folderPush) upload(ctx context.Context, c *Conn, todo []wantMsg, uv, uidNext uint32, recs map[store.PushKey]store.PushRecord) error {
	box, mb := fp.u.m.Box, fp.u.m.Box.MailboxID
	opts := fp.pr.opts
	var s *wireSession
	if len(todo) > 0 {
		if s = fp.session(ctx, c); s != nil {
			opts.Window, fp.wired = opts.wireWindow, true
		}
	}
	var pending map[store.PushKey]store.PushRecord // outcomes not yet durable
	pendingN := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, nil, pending); err != nil {
			return fmt.Errorf("record upload outcomes: %w", err)
		}
		opts.CrashHook("recorded", pendingN)
		pending = nil
		return nil
	}
	for len(todo) > 0 {
		if fp.u.stopped.Load() {
			return flush() // the mailbox is over quota: the rest stays "not pushed"
		}
		n, bytes := 0, int64(0)
		for n < len(todo) && n < opts.Window && (n == 0 || bytes+todo[n].Rec.Size <= opts.WindowBytes) {
			bytes += todo[n].Rec.Size
			n++
		}
		win := todo[:n]
		intents := map[store.PushKey]store.PushRecord{}
		for _, w := range win {
			intents[w.Key] = store.PushRecord{State: store.PushIntent, UIDValidity: uv, UIDNext: uidNext, Size: w.Rec.Size,
				MessageID: w.Rec.MessageID, SourceUID: w.Rec.UID, At: time.Now().UTC()}
		}
		for k, r := range intents {
			recs[k] = r
		}
		for k, r := range pending { // answered messages never need a new intent: no key is in both
			intents[k] = r
		}
		if err := fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, nil, intents); err != nil {
			return fmt.Errorf("record upload intents: %w", err)
		}
		if len(pending) > 0 {
			opts.CrashHook("recorded", pendingN)
		}
		pending = nil
		opts.CrashHook("intent", n)
		var outcomes map[store.PushKey]store.PushRecord
		var sent int
		var sendErr error
		if s != nil {
			outcomes, sent, sendErr = fp.sendWire(ctx, s, win, uv)
		} else {
			outcomes, sent, sendErr = fp.sendWindow(ctx, c, win, uv)
		}
		opts.CrashHook("sent", n)
		pending, pendingN = outcomes, n
		uploaded := 0
		var upBytes int64
		for _, w := range win {
			r, ok := outcomes[w.Key]
			if !ok {
				continue
			}
			recs[w.Key] = r
			switch r.State {
			case store.PushDone:
				fp.mine[w.Key] = true
				fp.rep.Uploaded++
				fp.done++
				uploaded++
				upBytes += w.Rec.Size
				if r.UID >= uidNext {
					uidNext = r.UID + 1
				}
			case store.PushFailed:
				opts.Progress.Problem(mb, fp.u.src.Name, w.Rec.UID, fmt.Sprintf("%s: %s", r.Reason, r.Text))
				if r.Reason == CodeOverQuota {
					fp.u.stopped.Store(true)
					fp.u.quota.Do(func() {
						fp.pr.fail(mb, fmt.Errorf("%w (the server said: %q); this mailbox was stopped, the others go on; free space or raise the quota, then push again", errQuotaStop, r.Text))
					})
				}
			}
		}
		fp.pr.bytes.Add(upBytes)
		opts.Progress.Stored(mb, uploaded, upBytes)
		if sendErr != nil {
			if err := flush(); err != nil {
				return err
			}
			return sendErr
		}
		todo = todo[max(sent, 1):] // unsent ones keep an intent, rewritten when sent
	}
	return flush()
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
				werr = nil // refused before its literal: an answer, not a broken link
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
	for _, f := range w.Rec.Flags {
		if !strings.EqualFold(f, `\Recent`) {
			flags = append(flags, imap.Flag(f))
		}
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
