package sync

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"mailshift/store"
)

// sendFunc uploads one window over one session and returns the outcomes
// it learned (a message without one has no outcome: its intent stands),
// how many of the window were sent or answered, and the error that ended
// the session, if any.
type sendFunc func(ctx context.Context, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error)

// uploadJob is one folder's upload phase, shared by several upload
// sessions: the folder's own worker and any idle worker that joins it
// (pushRun.help). Each participant takes a window at a time, journals its
// intents, sends it over its own session and records the outcomes.
//
// Exactly once with several sessions appending to one folder at the same
// time. Recovery (resolveClaimed) looks for an intent's message only among
// the destination's UIDs at or above the UIDNEXT the intent recorded, so
// that value must never exceed the UID the message got if it landed. The
// folder's UIDs only grow under one UIDVALIDITY, so any value that was at
// most the folder's UIDNEXT at some moment before the window's first byte
// is sent is safe, whichever session sends it and whatever the others send
// meanwhile. The job keeps one such lower bound, uidNext: the UIDNEXT that
// SELECT reported before any upload, raised past every UID an APPENDUID
// under the same UIDVALIDITY reported (that UID was taken, so UIDNEXT is
// already beyond it). A participant reads uidNext when it takes a window,
// journals it with the window's intents, and only then sends: the recorded
// value is a lower bound at sending time. Concurrent sessions therefore
// only widen the search (another session's uploads lie above the recorded
// UIDNEXT too); they cannot hide a landed message from it. A wider search
// cannot misattribute either: a candidate is claimed only when its
// Message-ID, size and content hash match, each destination UID is claimed
// by at most one wanted message and confirmed records claim theirs first;
// a candidate that is another session's upload of the very same bytes is a
// byte-identical duplicate, whose copies are interchangeable and counted by
// multiplicity (claimByHash prefers the copy with the same flags and date).
// The search runs only when no participant is sending: upload waits for
// every participant to leave before the folder's attempt returns, so a
// retry never lists the folder while a window of this run is in flight.
type uploadJob struct {
	fp      *folderPush
	uv      uint32
	via     uploadPath // how the folder's worker uploads: helpers do the same
	window  int
	mu      gosync.Mutex
	left    gosync.Cond // signalled when a participant leaves
	todo    []wantMsg   // not yet handed out
	uidNext uint32      // a lower bound of the folder's UIDNEXT (see above)
	recs    map[store.PushKey]store.PushRecord
	err     error // the first session failure: no more windows are handed out
	active  int   // participants taking part now
	closed  bool  // no one joins any more
}

// uploadPath is how a folder's messages go up: go-imap's APPEND, the
// worker's second, upload-only session, or the folder's own session
// borrowed from go-imap. The last two write the same commands.
type uploadPath int

const (
	viaAppend uploadPath = iota
	viaWire
	viaBorrowed
)

func newUploadJob(fp *folderPush, todo []wantMsg, uv, uidNext uint32, recs map[store.PushKey]store.PushRecord, via uploadPath) *uploadJob {
	j := &uploadJob{fp: fp, uv: uv, via: via, todo: todo, uidNext: uidNext, recs: recs, active: 1, window: fp.pr.opts.Window}
	if via != viaAppend {
		j.window = fp.pr.opts.wireWindow
	}
	j.left.L = &j.mu
	return j
}

// join adds a helper; false when the job is over or has nothing left.
func (j *uploadJob) join() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed || j.err != nil || len(j.todo) == 0 || j.fp.u.stopped.Load() {
		return false
	}
	j.active++
	return true
}

// wants says whether a helper could still take a window.
func (j *uploadJob) wants() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return !j.closed && j.err == nil && len(j.todo) > 0 && !j.fp.u.stopped.Load()
}

func (j *uploadJob) leave() {
	j.mu.Lock()
	j.active--
	j.left.Broadcast()
	j.mu.Unlock()
}

// finish closes the job to helpers, waits until every participant has
// left and returns the first failure.
func (j *uploadJob) finish() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	for j.active > 0 {
		j.left.Wait()
	}
	return j.err
}

// release lets go of the segment's messages and records once the job is
// over: idle workers remember the jobs they helped with until the run ends.
func (j *uploadJob) release() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.todo, j.recs = nil, nil
}

// next hands out a window (at most window messages and WindowBytes, at
// least one) with the current UIDNEXT lower bound.
func (j *uploadJob) next() ([]wantMsg, uint32, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil || len(j.todo) == 0 || j.fp.u.stopped.Load() {
		return nil, 0, false
	}
	n, bytes := 0, int64(0)
	for n < len(j.todo) && n < j.window && (n == 0 || bytes+j.todo[n].Rec.Size <= j.fp.pr.opts.WindowBytes) {
		bytes += j.todo[n].Rec.Size
		n++
	}
	win := j.todo[:n:n]
	j.todo = j.todo[n:]
	return win, j.uidNext, true
}

// giveBack returns messages a session did not send (a refusal ended its
// window early) for any participant to send, with a new intent.
func (j *uploadJob) giveBack(ws []wantMsg) {
	if len(ws) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.todo = append(append([]wantMsg(nil), ws...), j.todo...)
}

func (j *uploadJob) fail(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = err
	}
}

// take is one participant's loop: window after window until none is left,
// the job failed, or the mailbox is over quota. Each window's intents are
// durable before its first byte is sent and commit together with the
// previous window's outcomes (one commit per window), or at the end.
func (j *uploadJob) take(ctx context.Context, send sendFunc) error {
	fp := j.fp
	box := fp.u.m.Box
	hook := fp.pr.opts.CrashHook
	var pending map[store.PushKey]store.PushRecord // outcomes not yet durable
	pendingN := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, nil, pending); err != nil {
			return fmt.Errorf("record upload outcomes: %w", err)
		}
		hook("recorded", pendingN)
		pending = nil
		return nil
	}
	for {
		win, uidNext, ok := j.next()
		if !ok {
			return flush()
		}
		intents := make(map[store.PushKey]store.PushRecord, len(win)+len(pending))
		for _, w := range win {
			intents[w.Key] = store.PushRecord{State: store.PushIntent, UIDValidity: j.uv, UIDNext: uidNext, Size: w.Rec.Size,
				MessageID: w.Rec.MessageID, SourceUID: w.Rec.UID, At: time.Now().UTC()}
		}
		j.mu.Lock()
		for k, r := range intents {
			j.recs[k] = r
		}
		j.mu.Unlock()
		for k, r := range pending { // answered messages never need a new intent: no key is in both
			intents[k] = r
		}
		if err := fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, nil, intents); err != nil {
			j.fail(fmt.Errorf("record upload intents: %w", err))
			return err
		}
		if len(pending) > 0 {
			hook("recorded", pendingN)
		}
		pending = nil
		hook("intent", len(win))
		outcomes, sent, sendErr := send(ctx, win, j.uv)
		hook("sent", len(win))
		pending, pendingN = outcomes, len(win)
		j.apply(win, outcomes)
		if sendErr != nil {
			err := flush()
			if err == nil {
				err = sendErr
			}
			j.fail(err)
			return err
		}
		j.giveBack(win[max(sent, 1):]) // unsent ones keep an intent, rewritten when sent
	}
}

// apply takes one window's outcomes into the journal view, the report and
// the UIDNEXT lower bound; a refusal for quota stops the mailbox.
func (j *uploadJob) apply(win []wantMsg, outcomes map[store.PushKey]store.PushRecord) {
	fp := j.fp
	mb := fp.u.m.Box.MailboxID
	uploaded, upBytes := 0, int64(0)
	j.mu.Lock()
	var problems []store.PushRecord
	var problemUIDs []uint32
	for _, w := range win {
		r, ok := outcomes[w.Key]
		if !ok {
			continue
		}
		j.recs[w.Key] = r
		switch r.State {
		case store.PushDone:
			if fp.markMine(w) { // not when sent again (its folder was deleted and recreated meanwhile): one message still
				fp.rep.Uploaded++
			}
			fp.done++
			uploaded++
			upBytes += w.Rec.Size
			if r.UID >= j.uidNext { // 0 unless APPENDUID named this UIDVALIDITY
				j.uidNext = r.UID + 1
			}
		case store.PushFailed:
			fp.refused[w.Key] = true
			fp.done++ // an answer, recorded: the attempt moved the folder on
			problems, problemUIDs = append(problems, r), append(problemUIDs, w.Rec.UID)
		}
	}
	j.mu.Unlock()
	opts := fp.pr.opts
	for i, r := range problems {
		opts.Progress.Problem(mb, fp.u.src.Name, problemUIDs[i], fmt.Sprintf("%s: %s", r.Reason, r.Text))
		if r.Reason == CodeOverQuota {
			fp.u.stopped.Store(true)
			fp.u.quota.Do(func() {
				fp.pr.fail(mb, fmt.Errorf("%w (the server said: %q); this mailbox was stopped, the others go on; free space or raise the quota, then push again", errQuotaStop, r.Text))
			})
		}
	}
	fp.pr.bytes.Add(upBytes)
	opts.Progress.Stored(mb, uploaded, upBytes)
}
