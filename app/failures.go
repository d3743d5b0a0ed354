package app

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"sort"
	"time"

	"mailshift/store"
	"mailshift/sync"
)

// Failure is one message that is not on the new host: refused by it, over
// its size limit, of an excluded folder, or found missing by the last
// reconciliation. Code is a sync.Code* reason; Text the server's words
// (or ours).
type Failure struct {
	Mailbox    string
	Folder     string // the source folder ("" when the mapping no longer names it)
	DestFolder string
	SourceUID  uint32
	MessageID  string
	Subject    string // decoded from the stored copy; "" when it is not stored
	Size       int64
	Code       string
	Text       string
	At         time.Time // when it was recorded (the journal entry or the reconciliation)
	// Retryable: running the push again sends it again. The push retries
	// refused, over-quota and unconfirmed messages; over-size, excluded
	// and vanished ones it never sends.
	Retryable bool
}

// retryable reports whether a push sends a message with this code again.
func retryable(code string) bool {
	switch code {
	case sync.CodeRejected, sync.CodeOverQuota, sync.CodeUnknown, sync.CodeNotPushed, sync.CodeNoDestFolder:
		return true
	}
	return false
}

type failureKey struct{ mailbox, dest, hash string }

// Failures lists every message of the project that failed or was skipped:
// the push journal's refused, over-limit and unconfirmed entries, then the
// last reconciliation's missing, skipped and differing messages that the
// journal does not show as done since. Sorted by mailbox, folder, UID.
func (a *App) Failures(ctx context.Context, projectID string) ([]Failure, error) {
	mbs, err := a.db.Mailboxes(projectID)
	if err != nil {
		return nil, fmt.Errorf("list the failed messages of %s: %w", projectID, err)
	}
	rec, hasRec, err := a.lastReconciliation(projectID)
	if err != nil {
		return nil, err
	}
	// The journal's newer word on the reconciliation's messages: whether
	// it lists them itself, and when it last confirmed one. Only these are
	// kept of the journal's confirmations, which cover every message.
	seen := map[failureKey]bool{}
	doneAt := map[failureKey]time.Time{}
	if hasRec {
		for _, m := range rec.Mailboxes {
			for _, f := range m.Folders {
				for _, list := range [][]sync.Issue{f.Missing, f.Skipped, f.Mismatched} {
					for _, is := range list {
						doneAt[failureKey{m.Mailbox, f.Dest, is.Hash}] = time.Time{}
					}
				}
			}
		}
	}
	var out []Failure
	var hashes []string // parallel to out: the message's content hash
	for _, m := range mbs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sourceOf := map[string]string{}
		if mp, _, err := sync.MappingFor(a.db, projectID, m.ID); err == nil {
			for _, f := range mp.Folders {
				if f.Dest != "" {
					sourceOf[f.Dest] = f.Source
				}
			}
		}
		dests, err := a.db.PushedFolders(projectID, m.ID)
		if err != nil {
			return nil, fmt.Errorf("read the push journal of %s: %w", m.ID, err)
		}
		for _, dest := range dests {
			_, err := a.db.ForEachPush(projectID, m.ID, dest, func(k store.PushKey, r store.PushRecord) error {
				if r.State == store.PushDone && len(doneAt) == 0 {
					return nil
				}
				fk := failureKey{m.ID, dest, k.Hash.String()}
				if r.State == store.PushDone {
					if at, listed := doneAt[fk]; listed && r.At.After(at) {
						doneAt[fk] = r.At
					}
					return nil
				}
				code := r.Reason
				if r.State == store.PushIntent {
					code = sync.CodeUnknown
				}
				seen[fk] = true
				out = append(out, Failure{Mailbox: m.ID, Folder: sourceOf[dest], DestFolder: dest, SourceUID: r.SourceUID,
					MessageID: r.MessageID, Size: r.Size, Code: code, Text: r.Text, At: r.At, Retryable: retryable(code)})
				hashes = append(hashes, fk.hash)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("read the push journal of %s: %w", m.ID, err)
			}
		}
	}
	if hasRec {
		for _, m := range rec.Mailboxes {
			for _, f := range m.Folders {
				for _, list := range [][]sync.Issue{f.Missing, f.Skipped, f.Mismatched} {
					for _, is := range list {
						fk := failureKey{m.Mailbox, f.Dest, is.Hash}
						if seen[fk] || is.Hash != "" && doneAt[fk].After(rec.At) {
							continue // the journal's entry is newer
						}
						out = append(out, Failure{Mailbox: m.Mailbox, Folder: f.Source, DestFolder: f.Dest, SourceUID: is.SourceUID,
							MessageID: is.MessageID, Size: is.Size, Code: is.Code, Text: is.Text, At: rec.At, Retryable: retryable(is.Code)})
						hashes = append(hashes, is.Hash)
					}
				}
			}
		}
	}
	for i, h := range hashes {
		if hh, ok := parseHash(h); ok && ctx.Err() == nil {
			out[i].Subject = a.subjectOf(hh)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Mailbox != y.Mailbox {
			return x.Mailbox < y.Mailbox
		}
		if x.Folder != y.Folder {
			return x.Folder < y.Folder
		}
		return x.SourceUID < y.SourceUID
	})
	return out, ctx.Err()
}

func parseHash(s string) (store.Hash, bool) {
	var h store.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// subjectOf decodes the Subject of a stored message, reading its header only.
func (a *App) subjectOf(h store.Hash) string {
	rc, err := a.db.OpenMessage(h)
	if err != nil {
		return ""
	}
	defer rc.Close()
	msg, err := mail.ReadMessage(bufio.NewReader(io.LimitReader(rc, 256<<10)))
	if err != nil {
		return ""
	}
	subj := msg.Header.Get("Subject")
	if dec, err := new(mime.WordDecoder).DecodeHeader(subj); err == nil {
		return dec
	}
	return subj
}

// LastReconciliation is the project's newest kept reconciliation; ok is
// false when none was run yet.
func (a *App) LastReconciliation(ctx context.Context, projectID string) (rec sync.Reconciliation, ok bool, err error) {
	return a.lastReconciliation(projectID)
}
