package sync

import (
	"fmt"
	"time"
)

// Reason codes for messages that are not (yet) on the destination. They
// travel into the journal, the push report and the reconciliation.
const (
	CodeExcluded  = "excluded-folder"    // the user excluded the folder
	CodeTooBig    = "over-size-limit"    // over APPENDLIMIT / the profile's limit, or TOOBIG
	CodeOverQuota = "over-quota"         // the destination mailbox is full
	CodeRejected  = "rejected"           // the server refused it (its words in Text)
	CodeUnknown   = "outcome-unknown"    // sent, connection lost before the answer: resolved by the next run
	CodeNotPushed = "not-pushed"         // not attempted yet (stopped, cancelled)
	CodeVanished  = "vanished-at-source" // expunged at the source while being pulled
	CodeLate      = "arrived-after-pull" // on the source, newer than the local copy
)

// PushProblem is one message the run could not put on the destination.
type PushProblem struct {
	SourceUID uint32 `json:"source_uid"`
	Hash      string `json:"hash"`
	Size      int64  `json:"size"`
	Code      string `json:"code"`
	Text      string `json:"text,omitempty"` // the server's words, or ours
}

// PushFolderReport is what a push did for one folder.
type PushFolderReport struct {
	Source    string `json:"source"`
	Dest      string `json:"dest,omitempty"`
	Wanted    int    `json:"wanted"`   // messages of the folder in the local store
	Uploaded  int    `json:"uploaded"` // sent and confirmed by this run
	Found     int    `json:"found"`    // recognised on the destination by content (lost outcome, earlier tool)
	Already   int    `json:"already"`  // confirmed by the journal from earlier runs
	TooBig    int    `json:"too_big"`  // not sent: over the limit
	Failed    int    `json:"failed"`   // refused by the server
	Unknown   int    `json:"unknown"`  // outcome unknown: the next run resolves it
	NotPushed int    `json:"not_pushed"`
	Excluded  bool   `json:"excluded,omitempty"`
	Unchanged bool   `json:"unchanged,omitempty"` // one STATUS showed nothing to do
	// FlagsUpdated counts copies on the destination whose flags followed
	// the source's changes since the last push.
	FlagsUpdated int `json:"flags_updated,omitempty"`
	Problems     []PushProblem
	Err          string `json:"err,omitempty"`
}

// OnDestination is how many of the folder's messages are known to be there.
func (f PushFolderReport) OnDestination() int { return f.Uploaded + f.Found + f.Already }

// PushMailboxReport is what a push did for one mailbox.
type PushMailboxReport struct {
	Mailbox string
	Folders []PushFolderReport
	Err     string // the mailbox stopped (login, quota...)
	// LoginRefused: Err is the server refusing the login name or password.
	LoginRefused bool
}

// PushReport is a push's final report.
type PushReport struct {
	Mailboxes []PushMailboxReport
	Bytes     int64
	Elapsed   time.Duration
	// Interrupted: the run was cancelled (Ctrl-C, Pause, Stop) before it
	// ended; what it did is kept and the next run goes on.
	Interrupted bool
}

// Totals sums the run.
func (r PushReport) Totals() (t PushFolderReport) {
	for _, m := range r.Mailboxes {
		for _, f := range m.Folders {
			t.Wanted += f.Wanted
			t.Uploaded += f.Uploaded
			t.Found += f.Found
			t.Already += f.Already
			t.TooBig += f.TooBig
			t.Failed += f.Failed
			t.Unknown += f.Unknown
			t.NotPushed += f.NotPushed
			t.FlagsUpdated += f.FlagsUpdated
		}
	}
	return t
}

// Exceptions reports anything not on the destination (excluded folders
// are the user's choice and do not count).
func (r PushReport) Exceptions() bool {
	t := r.Totals()
	for _, m := range r.Mailboxes {
		if m.Err != "" {
			return true
		}
		for _, f := range m.Folders {
			if f.Err != "" {
				return true
			}
		}
	}
	return t.TooBig+t.Failed+t.Unknown+t.NotPushed > 0
}

// Summary is the report in words.
func (r PushReport) Summary() string {
	t := r.Totals()
	s := fmt.Sprintf("%d mailbox(es): %d message(s) uploaded (%.1f MB), %d found already there, %d confirmed from earlier runs",
		len(r.Mailboxes), t.Uploaded, float64(r.Bytes)/1e6, t.Found, t.Already)
	if t.FlagsUpdated > 0 {
		s += fmt.Sprintf(", %d with flags updated", t.FlagsUpdated)
	}
	if t.TooBig > 0 {
		s += fmt.Sprintf(", %d over the size limit (not sent)", t.TooBig)
	}
	if t.Failed > 0 {
		s += fmt.Sprintf(", %d refused by the server", t.Failed)
	}
	if t.Unknown+t.NotPushed > 0 {
		s += fmt.Sprintf(", %d not confirmed (run push again)", t.Unknown+t.NotPushed)
	}
	for _, m := range r.Mailboxes {
		if m.Err != "" {
			s += fmt.Sprintf("; %s: %s", m.Mailbox, m.Err)
			continue
		}
		for _, f := range m.Folders { // a folder that stopped alone (a cancelled run's, say)
			if f.Err != "" {
				s += fmt.Sprintf("; %s, folder %q: %s", m.Mailbox, f.Source, f.Err)
			}
		}
	}
	verdict, unfinishedRun := unfinished(r.Interrupted, r.Stopped(), len(r.Mailboxes), "push", "sent")
	switch {
	case unfinishedRun:
	case r.Exceptions():
		verdict = "completed with exceptions"
	default:
		verdict = "completed"
	}
	return s + fmt.Sprintf(" in %s: %s.", r.Elapsed.Round(time.Millisecond), verdict)
}

// Stopped counts the mailboxes the run did not finish: the mailbox or one
// of its folders ended on an error (a login refused, a full mailbox, a
// folder that could not be created). Their other messages were never
// tried, so such a run is not "completed", not even with exceptions.
func (r PushReport) Stopped() (n int) {
	for _, m := range r.Mailboxes {
		if m.Err != "" {
			n++
			continue
		}
		for _, f := range m.Folders {
			if f.Err != "" {
				n++
				break
			}
		}
	}
	return n
}
