package sync

import (
	"fmt"
	"time"
)

// Issue is one message that is not (exactly) on the destination, with a
// reason code (Code* constants) and, where there are some, words.
type Issue struct {
	SourceUID uint32 `json:"source_uid,omitempty"`
	DestUID   uint32 `json:"dest_uid,omitempty"`
	Hash      string `json:"hash,omitempty"`
	Size      int64  `json:"size,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Code      string `json:"code"`
	Text      string `json:"text,omitempty"`
}

// More reason codes, found only by reconciliation.
const (
	CodeDateDiffers  = "date-differs"   // INTERNALDATE on the destination is not the source's
	CodeFlagsDiffer  = "flags-differ"   // flags differ (users may have read mail on the new host)
	CodeBytesDiffer  = "bytes-differ"   // the sampled message's bytes are not the stored ones
	CodeExtra        = "extra"          // on the destination, not from this migration
	CodeNoDestFolder = "no-dest-folder" // the destination folder does not exist
)

// FolderReconcile compares one folder on the three sides.
type FolderReconcile struct {
	Source         string  `json:"source"`
	Dest           string  `json:"dest,omitempty"`
	SourceMessages int     `json:"source_messages"` // on the source (fresh when it was reached, else the last inventory)
	SourceBytes    int64   `json:"source_bytes"`
	SourceFresh    bool    `json:"source_fresh"`
	Local          int     `json:"local"` // in the local store
	LocalBytes     int64   `json:"local_bytes"`
	DestMessages   int     `json:"dest_messages"` // in the destination folder, fetched now
	DestBytes      int64   `json:"dest_bytes"`
	Matched        int     `json:"matched"`
	Missing        []Issue `json:"missing,omitempty"` // should be there and is not
	Skipped        []Issue `json:"skipped,omitempty"` // not copied on purpose (excluded, over the limit, vanished)
	Extra          []Issue `json:"extra,omitempty"`
	Mismatched     []Issue `json:"mismatched,omitempty"` // there, but date or bytes differ
	FlagsDiffer    []Issue `json:"flags_differ,omitempty"`
	Sampled        int     `json:"sampled"` // compared byte for byte
}

// MailboxReconcile is one mailbox's folders.
type MailboxReconcile struct {
	Mailbox string            `json:"mailbox"`
	Folders []FolderReconcile `json:"folders"`
	Err     string            `json:"err,omitempty"`
}

// Reconciliation is the whole comparison, as data for the GUI and report.
type Reconciliation struct {
	At        time.Time          `json:"at"`
	Mailboxes []MailboxReconcile `json:"mailboxes"`
}

// ReconcileTotals sums a reconciliation.
type ReconcileTotals struct {
	Source, Local, Dest, Matched, Missing, Skipped, Extra, Mismatched, FlagsDiffer, Sampled, Errors int
}

// Totals sums every folder.
func (r Reconciliation) Totals() ReconcileTotals {
	var t ReconcileTotals
	for _, m := range r.Mailboxes {
		if m.Err != "" {
			t.Errors++
		}
		for _, f := range m.Folders {
			t.Source += f.SourceMessages
			t.Local += f.Local
			t.Dest += f.DestMessages
			t.Matched += f.Matched
			t.Missing += len(f.Missing)
			t.Skipped += len(f.Skipped)
			t.Extra += len(f.Extra)
			t.Mismatched += len(f.Mismatched)
			t.FlagsDiffer += len(f.FlagsDiffer)
			t.Sampled += f.Sampled
		}
	}
	return t
}

// OK is true only when nothing is missing, nothing that is there differs
// in bytes or date, and every mailbox could be compared.
func (r Reconciliation) OK() bool {
	t := r.Totals()
	return t.Missing == 0 && t.Mismatched == 0 && t.Errors == 0
}

// Verdict is the one line the customer reads. "all N messages are on the
// destination" appears only when OK.
func (r Reconciliation) Verdict() string {
	t := r.Totals()
	if r.OK() {
		s := fmt.Sprintf("all %d messages are on the destination", t.Matched)
		if t.Skipped > 0 {
			s += fmt.Sprintf(" (%d skipped on purpose, listed with reasons)", t.Skipped)
		}
		return s + fmt.Sprintf("; %d compared byte for byte", t.Sampled)
	}
	s := fmt.Sprintf("NOT complete: %d of %d messages are on the destination, %d missing", t.Matched, t.Matched+t.Missing, t.Missing)
	if t.Mismatched > 0 {
		s += fmt.Sprintf(", %d differ in bytes or date", t.Mismatched)
	}
	if t.Errors > 0 {
		s += fmt.Sprintf(", %d mailbox(es) could not be compared", t.Errors)
	}
	return s
}
