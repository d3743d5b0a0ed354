package sync

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// wireWindow is the default window of the wire path: about what a loader
// sends per MULTIAPPEND, and two journal commits per hundred messages.
const wireWindow = 100

// wireSlot is one push worker's upload session, kept across that worker's
// folders of the same mailbox and closed when the worker ends.
type wireSlot struct {
	s       *wireSession
	mailbox string
	off     map[string]bool // mailboxes whose server refused the session: plain APPEND
}

func (ws *wireSlot) drop() {
	if ws.s != nil {
		ws.s.Close()
		ws.s = nil
	}
}

// session returns the worker's upload session for the folder's mailbox,
// dialing one when the server offers MULTIAPPEND or LITERAL+/LITERAL-
// (as c, the folder's go-imap connection, saw after login); nil when the
// server offers neither, the options say so, the worker has no room for
// a second session, or the server refused one (upload then borrows c
// where the wire path is worth it).
func (fp *folderPush) session(ctx context.Context, c *Conn) *wireSession {
	mb := fp.u.m.Box.MailboxID
	if fp.wire == nil || fp.pr.opts.PlainAppend || !wireWorthIt(c.Caps()) {
		return nil
	}
	return fp.wire.open(ctx, fp.pr.eps[mb], mb)
}

// open returns the slot's session for mailbox mb, dialing ep when it has
// none for mb; nil when the server refused one (the slot's uploads for mb
// then borrow the folder's own session: not an error of any message).
func (ws *wireSlot) open(ctx context.Context, ep Endpoint, mb string) *wireSession {
	if ws.off[mb] {
		return nil
	}
	if ws.s != nil && ws.mailbox == mb {
		return ws.s
	}
	ws.drop()
	s, err := dialWire(ctx, ep)
	if err != nil {
		if ws.off == nil {
			ws.off = map[string]bool{}
		}
		ws.off[mb] = true
		return nil
	}
	ws.s, ws.mailbox = s, mb
	return s
}

// sendWire uploads one window over the worker's upload session (sendOver);
// on any error the session is closed and dropped from its slot ws.
func (fp *folderPush) sendWire(ctx context.Context, ws *wireSlot, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
	out, sent, err := fp.sendOver(ctx, ws.s, win, uv)
	if err != nil {
		ws.drop()
	}
	return out, sent, err
}

// sendOver uploads one window over s: one MULTIAPPEND when the server
// offers it (all-or-nothing: one answer for the window), else pipelined
// single APPENDs; literals are non-synchronizing where allowed. A
// MULTIAPPEND the server refuses is sent again message by message, so
// that each refusal (size, quota) lands on its message. A message whose
// answer never came has no outcome: its intent stands. After an error s
// is out of step (closed when ctx ended) and must not be used again.
func (fp *folderPush) sendOver(ctx context.Context, s *wireSession, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	out := map[store.PushKey]store.PushRecord{}
	if _, ok := wireMailbox(fp.u.dest); !ok {
		return out, 0, fmt.Errorf("upload to %q: the folder name cannot be written in an APPEND command", fp.u.dest)
	}
	var err error
	if s.caps["MULTIAPPEND"] && len(win) > 1 {
		var r taggedResp
		if r, err = fp.multiAppend(s, win); err == nil {
			if r.Type == imap.StatusResponseTypeOK {
				uidv, uids, ok := appendUIDs(r.Args, len(win))
				for i, w := range win {
					uid := uint32(0)
					if ok && r.Code == codeAppendUID && uidv == uv {
						uid = uids[i]
					}
					out[w.Key] = doneRecord(w, uv, uid)
				}
				return out, len(win), nil
			}
			if r.Code == imap.ResponseCodeTryCreate {
				err = fmt.Errorf("the destination folder %q disappeared during the upload", fp.u.dest)
			}
		}
	}
	if err == nil {
		err = fp.singleAppends(s, win, uv, out)
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return out, len(out), fmt.Errorf("upload to %q: %w", fp.u.dest, classify(s.ep.Addr(), err, ""))
	}
	return out, len(win), nil
}

// multiAppend sends the window as one APPEND command and returns its answer.
func (fp *folderPush) multiAppend(s *wireSession, win []wantMsg) (taggedResp, error) {
	tag := s.nextTag()
	mbox, _ := wireMailbox(fp.u.dest)
	if _, err := s.bw.WriteString(tag + " APPEND " + mbox); err != nil {
		return taggedResp{}, err
	}
	for _, w := range win {
		refused, err := fp.writeMessage(s, w, tag)
		if err != nil {
			return taggedResp{}, err
		}
		if refused != nil {
			return *refused, nil // the command is over: nothing was appended
		}
	}
	if err := s.writeLine(""); err != nil {
		return taggedResp{}, err
	}
	line, err := s.awaitLine(tag, nil)
	return parseTagged(tag, line), err
}

// singleAppends pipelines one APPEND per message, then reads every answer.
func (fp *folderPush) singleAppends(s *wireSession, win []wantMsg, uv uint32, out map[store.PushKey]store.PushRecord) error {
	mbox, _ := wireMailbox(fp.u.dest)
	tags := make([]string, len(win))
	answers := map[string]string{}
	for i, w := range win {
		tags[i] = s.nextTag()
		if _, err := s.bw.WriteString(tags[i] + " APPEND " + mbox); err != nil {
			return err
		}
		refused, err := fp.writeMessage(s, w, tags[i], answers)
		if err != nil {
			return err
		}
		if refused == nil {
			if _, err := s.bw.WriteString("\r\n"); err != nil {
				return err
			}
		}
	}
	if err := s.bw.Flush(); err != nil {
		return err
	}
	var trycreate bool
	for i, w := range win {
		line, ok := answers[tags[i]]
		if !ok {
			var err error
			if line, err = s.awaitLine(tags[i], answers); err != nil {
				return err
			}
		}
		r := parseTagged(tags[i], line)
		switch {
		case r.Type == imap.StatusResponseTypeOK:
			uid := uint32(0)
			if uidv, uids, ok := appendUIDs(r.Args, 1); ok && r.Code == codeAppendUID && uidv == uv {
				uid = uids[0]
			}
			out[w.Key] = doneRecord(w, uv, uid)
		case r.Code == imap.ResponseCodeTryCreate:
			trycreate = true
		default:
			out[w.Key] = refusal(w, r.err().(*imap.Error))
		}
	}
	if trycreate {
		return fmt.Errorf("the destination folder %q disappeared during the upload", fp.u.dest)
	}
	return nil
}

// writeMessage writes " (flags) "date" {n+}" and the message's bytes.
// When the literal must be synchronizing it flushes and waits for the
// continuation; a tagged answer instead (the server refused before the
// bytes) is returned as refused, and the command is over.
func (fp *folderPush) writeMessage(s *wireSession, w wantMsg, tag string, answers ...map[string]string) (*taggedResp, error) {
	size := w.Rec.Size
	sync := !(s.caps["LITERAL+"] || s.caps["LITERAL-"] && size <= 4096)
	lit := fmt.Sprintf("{%d+}", size)
	if sync {
		lit = fmt.Sprintf("{%d}", size)
	}
	date := ""
	if !w.Rec.InternalDate.IsZero() {
		date = ` "` + w.Rec.InternalDate.Format(wireDateTime) + `"`
	}
	if _, err := s.bw.WriteString(" " + wireFlags(w.Rec.Flags) + date + " " + lit + "\r\n"); err != nil {
		return nil, err
	}
	if sync {
		if err := s.bw.Flush(); err != nil {
			return nil, err
		}
		var seen map[string]string
		if len(answers) > 0 {
			seen = answers[0]
		}
		line, err := s.awaitLine(tag, seen, "+")
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(line, "+") {
			r := parseTagged(tag, line)
			if seen != nil {
				seen[tag] = line
			}
			return &r, nil
		}
	}
	body, err := fp.pr.db.OpenMessage(w.Key.Hash)
	if err != nil {
		return nil, fmt.Errorf("read stored message uid %d: %w", w.Rec.UID, err)
	}
	defer body.Close()
	if n, err := io.CopyN(s.bw, body, size); err != nil {
		return nil, fmt.Errorf("send message uid %d (%d of %d bytes): %w", w.Rec.UID, n, size, err)
	}
	return nil, nil
}

// wireDateTime is RFC 3501's date-time, as go-imap writes it.
const wireDateTime = "_2-Jan-2006 15:04:05 -0700"

// awaitLine reads until tag's tagged answer (or, with want "+", a
// continuation request), keeping other tags' answers in seen.
func (s *wireSession) awaitLine(tag string, seen map[string]string, want ...string) (string, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return "", err
		}
		switch {
		case strings.HasPrefix(line, tag+" "):
			return line, nil
		case len(want) > 0 && strings.HasPrefix(line, "+"):
			return line, nil
		case strings.HasPrefix(line, "* BYE"):
			return "", parseByeText(strings.TrimPrefix(line, "* BYE "))
		case strings.HasPrefix(line, "W") && seen != nil:
			if t, _, ok := strings.Cut(line, " "); ok {
				seen[t] = line
			}
		}
	}
}

// refusal records the server's "no" to one message with a reason code.
func refusal(w wantMsg, ie *imap.Error) store.PushRecord {
	code := CodeRejected
	text := strings.ToLower(ie.Text)
	switch {
	case ie.Code == imap.ResponseCodeTooBig || strings.Contains(text, "too big") || strings.Contains(text, "too large"),
		// Dovecot's quota_max_mail_size: "NO [LIMIT] Mail size is larger
		// than the maximum size allowed by server configuration".
		ie.Code == imap.ResponseCodeLimit && strings.Contains(text, "size"):
		code = CodeTooBig
	case ie.Code == imap.ResponseCodeOverQuota || strings.Contains(text, "quota"):
		code = CodeOverQuota
	}
	return store.PushRecord{State: store.PushFailed, Reason: code, Text: ie.Text, Size: w.Rec.Size, MessageID: w.Rec.MessageID,
		SourceUID: w.Rec.UID, At: time.Now().UTC()}
}
