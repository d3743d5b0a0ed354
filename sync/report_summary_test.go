package sync

import (
	"strings"
	"testing"
)

// A run that stopped a mailbox (its login refused, its mailbox full) or
// one of its folders is "NOT complete", not "completed with exceptions":
// that mailbox's other messages were never tried. Messages refused one by
// one, with the rest sent, keep "completed with exceptions".
func TestSummaryVerdicts(t *testing.T) {
	done := PushMailboxReport{Mailbox: "ann", Folders: []PushFolderReport{{Source: "INBOX", Wanted: 3, Uploaded: 3}}}
	tooBig := PushMailboxReport{Mailbox: "bob", Folders: []PushFolderReport{{Source: "INBOX", Wanted: 3, Uploaded: 2, TooBig: 1}}}
	refused := PushMailboxReport{Mailbox: "cat", Err: "the login was refused"}
	folderErr := PushMailboxReport{Mailbox: "dan", Folders: []PushFolderReport{{Source: "INBOX", Wanted: 3, Uploaded: 3}, {Source: "Files", Wanted: 2, Err: "could not create it"}}}
	for _, c := range []struct {
		rep     PushReport
		stopped int
		verdict string
	}{
		{PushReport{Mailboxes: []PushMailboxReport{done}}, 0, ": completed."},
		{PushReport{Mailboxes: []PushMailboxReport{done, tooBig}}, 0, ": completed with exceptions."},
		{PushReport{Mailboxes: []PushMailboxReport{done, refused}}, 1, ": NOT complete: 1 of 2 mailbox(es) stopped before the end; push again"},
		{PushReport{Mailboxes: []PushMailboxReport{refused, folderErr, tooBig}}, 2, `; dan, folder "Files": could not create it in 0s: NOT complete: 2 of 3 mailbox(es) stopped`},
	} {
		s := c.rep.Summary()
		if c.rep.Stopped() != c.stopped || !strings.Contains(s, c.verdict) || c.stopped > 0 && strings.Contains(s, "completed") {
			t.Errorf("stopped %d (want %d): %s\nwant %q", c.rep.Stopped(), c.stopped, s, c.verdict)
		}
	}

	// A cancelled run says so, whatever its folders' errors.
	cut := PushReport{Mailboxes: []PushMailboxReport{{Mailbox: "ann", Folders: []PushFolderReport{{Source: "INBOX", Wanted: 3, Uploaded: 1, NotPushed: 2, Err: "context canceled"}}}}, Interrupted: true}
	if s := cut.Summary(); !strings.HasSuffix(s, ": interrupted; run it again to go on (what was sent is kept).") {
		t.Errorf("a cancelled push: %s", s)
	}
	if s := (Report{Interrupted: true}).Summary(); !strings.HasSuffix(s, ": interrupted; run it again to go on (what was stored is kept).") {
		t.Errorf("a cancelled pull: %s", s)
	}

	pulled := MailboxReport{Mailbox: "ann", Folders: []FolderReport{{Folder: "INBOX", Stored: 3}}}
	failed := MailboxReport{Mailbox: "cat", Err: "the login was refused"}
	if r := (Report{Mailboxes: []MailboxReport{pulled}}); r.Stopped() != 0 || strings.Contains(r.Summary(), "NOT complete") || !strings.HasSuffix(r.Summary(), "s.") {
		t.Errorf("a clean pull: %s", r.Summary())
	}
	if r := (Report{Mailboxes: []MailboxReport{pulled, failed}}); r.Stopped() != 1 || !strings.Contains(r.Summary(), "cat: the login was refused in 0s: NOT complete: 1 of 2 mailbox(es) stopped before the end; pull again") {
		t.Errorf("a pull with a stopped mailbox: %s", r.Summary())
	}
}
