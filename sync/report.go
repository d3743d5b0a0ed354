package sync

import (
	"fmt"
	"time"
)

// FolderReport is what a run did to one folder.
type FolderReport struct {
	Folder             string
	SourceMessages     int // on the source when the folder was read
	Stored             int // newly stored in this run
	Rematched          int // recognised by content after a UIDVALIDITY change (no fetch)
	FlagsUpdated       int
	Vanished           int  // expunged at the source while being copied
	Failed             int  // not stored this run (retried next run)
	Unchanged          bool // nothing new: only STATUS was asked
	UIDValidityChanged bool
	Problems           []string
}

// then folds a later attempt's report into an earlier one's: work adds up,
// failures and the source count are the latest attempt's.
func (f FolderReport) then(next FolderReport) FolderReport {
	next.Stored += f.Stored
	next.Rematched += f.Rematched
	next.FlagsUpdated += f.FlagsUpdated
	next.Vanished += f.Vanished
	next.UIDValidityChanged = next.UIDValidityChanged || f.UIDValidityChanged
	next.Problems = append(f.Problems, next.Problems...)
	return next
}

// MailboxReport is what a run did to one mailbox.
type MailboxReport struct {
	Mailbox string
	Folders []FolderReport
	Err     string // the mailbox could not be (fully) processed
	// LoginRefused: Err is the server refusing the login name or password.
	LoginRefused bool
}

// Report is a pull's final report.
type Report struct {
	Mailboxes []MailboxReport
	Bytes     int64
	Elapsed   time.Duration
	// Interrupted: the run was cancelled (Ctrl-C, Pause, Stop) before it
	// ended; what it stored is kept and the next run goes on.
	Interrupted bool
}

// Counts sums the run.
func (r Report) Counts() (stored, rematched, vanished, failed, folders int) {
	for _, m := range r.Mailboxes {
		for _, f := range m.Folders {
			stored += f.Stored
			rematched += f.Rematched
			vanished += f.Vanished
			failed += f.Failed
			folders++
		}
	}
	return
}

// Exceptions reports whether anything was skipped, failed or errored.
func (r Report) Exceptions() bool {
	_, _, vanished, failed, _ := r.Counts()
	for _, m := range r.Mailboxes {
		if m.Err != "" {
			return true
		}
	}
	return vanished > 0 || failed > 0
}

// Stopped counts the mailboxes the run could not finish (their Err).
func (r Report) Stopped() (n int) {
	for _, m := range r.Mailboxes {
		if m.Err != "" {
			n++
		}
	}
	return n
}

// Summary is the report in one line of words.
func (r Report) Summary() string {
	stored, rematched, vanished, failed, folders := r.Counts()
	s := fmt.Sprintf("%d mailbox(es), %d folder(s): %d message(s) stored (%.1f MB)", len(r.Mailboxes), folders, stored, float64(r.Bytes)/1e6)
	if rematched > 0 {
		s += fmt.Sprintf(", %d recognised after a UIDVALIDITY change without fetching", rematched)
	}
	if vanished > 0 {
		s += fmt.Sprintf(", %d vanished at the source during the copy", vanished)
	}
	if failed > 0 {
		s += fmt.Sprintf(", %d NOT stored (they are retried by the next pull)", failed)
	}
	for _, m := range r.Mailboxes {
		if m.Err != "" {
			s += fmt.Sprintf("; %s: %s", m.Mailbox, m.Err)
		}
	}
	s += fmt.Sprintf(" in %s", r.Elapsed.Round(time.Millisecond))
	if v, ok := unfinished(r.Interrupted, r.Stopped(), len(r.Mailboxes), "pull", "stored"); ok {
		return s + ": " + v + "."
	}
	return s + "."
}

// unfinished words the verdict of a run that did not finish (ok): it was
// interrupted, or it stopped some of its mailboxes. A stopped mailbox's
// other folders were never read, so the counts before the verdict must not
// pass for the whole mailbox. cmd is the command to run again, kept what
// the run kept of its work (stored, sent).
func unfinished(interrupted bool, stopped, mailboxes int, cmd, kept string) (string, bool) {
	switch {
	case interrupted:
		return fmt.Sprintf("interrupted; run it again to go on (what was %s is kept)", kept), true
	case stopped > 0:
		return fmt.Sprintf("NOT complete: %d of %d mailbox(es) stopped before the end; %s again once the cause above is fixed (what was %s is kept)", stopped, mailboxes, cmd, kept), true
	}
	return "", false
}
