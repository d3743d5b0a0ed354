package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/sync"
)

// ErrorsTab lists every failed or skipped message of the project (from the
// push journal and the last reconciliation) in a virtualised table, and
// retries the failed ones with another push.
type ErrorsTab struct {
	m *MigrateScreen

	Summary        *widget.Label
	Table          *widget.Table
	Retry, Refresh *widget.Button
	failures       []app.Failure
	content        fyne.CanvasObject
}

var errorColumns = []column{{"Mailbox", 170}, {"Folder", 130}, {"Subject / Message-ID", 240}, {"KB", 60}, {"Reason", 200}, {"Server's words", 300}}

// codeWords says what a reason code means, for a person.
var codeWords = map[string]string{
	sync.CodeExcluded:     "folder excluded by you",
	sync.CodeTooBig:       "too big for the new host",
	sync.CodeOverQuota:    "new mailbox full",
	sync.CodeRejected:     "refused by the new host",
	sync.CodeUnknown:      "sent, answer lost",
	sync.CodeNotPushed:    "not sent yet",
	sync.CodeVanished:     "deleted at the old host during the copy",
	sync.CodeLate:         "arrived after the pull: run the final delta",
	sync.CodeDateDiffers:  "date differs on the new host",
	sync.CodeFlagsDiffer:  "flags differ",
	sync.CodeBytesDiffer:  "content differs on the new host",
	sync.CodeExtra:        "on the new host, not from this migration",
	sync.CodeNoDestFolder: "destination folder missing",
}

// reasonWords is a code in words, keeping the code for searching.
func reasonWords(code string) string {
	if w, ok := codeWords[code]; ok {
		return w + " (" + code + ")"
	}
	return code
}

func newErrorsTab(m *MigrateScreen) *ErrorsTab {
	t := &ErrorsTab{m: m}
	t.Summary = widget.NewLabel("Reading the failed messages…")
	t.Summary.Wrapping = fyne.TextWrapWord
	t.Table = newTextTable(errorColumns, func() int { return len(t.failures) }, func(r, c int) string { return t.CellText(r+1, c) })
	// The push sends refused, over-quota and unconfirmed messages again
	// (sync/push_folder.go: resolveJournal keeps only "done" and over-size
	// entries, so every other journal entry goes back into the upload
	// list); over-size, excluded and vanished messages it does not resend.
	t.Retry = widget.NewButtonWithIcon("Retry failed", theme.ViewRefreshIcon(), t.retry)
	t.Retry.Importance = widget.HighImportance
	t.Refresh = widget.NewButton("Refresh", t.load)
	t.Retry.Disable()
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(t.Refresh, t.Retry), t.Summary), widget.NewSeparator())
	t.content = container.NewBorder(top, nil, nil, nil, t.Table)
	return t
}

// load reads the failures again.
func (t *ErrorsTab) load() {
	inBackground(t.m, func(ctx context.Context) ([]app.Failure, error) {
		return t.m.shell.App.Failures(ctx, t.m.projectID)
	}, func(fs []app.Failure, err error) {
		if err != nil {
			t.Summary.SetText(couldNot("list the failed messages", err))
			return
		}
		t.show(fs)
	})
}

func (t *ErrorsTab) show(fs []app.Failure) {
	t.failures = fs
	retry := t.retryMailboxes()
	switch {
	case len(fs) == 0:
		t.Summary.SetText("No failed messages: everything pushed so far is on the new host.")
	case len(retry) == 0:
		t.Summary.SetText(fmt.Sprintf("%d message(s) not on the new host, none that a retry would send (see each reason).", len(fs)))
	default:
		n := 0
		for _, f := range fs {
			if f.Retryable {
				n++
			}
		}
		t.Summary.SetText(fmt.Sprintf("%d message(s) not on the new host; Retry failed sends %d of them again.", len(fs), n))
	}
	setEnabled(t.Retry, len(retry) > 0)
	t.Table.Refresh()
}

// retryMailboxes are the mailboxes with a message a push would resend.
func (t *ErrorsTab) retryMailboxes() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range t.failures {
		if f.Retryable && !seen[f.Mailbox] {
			seen[f.Mailbox] = true
			out = append(out, f.Mailbox)
		}
	}
	return out
}

// retry starts a push of the mailboxes with retryable failures; progress
// shows on the dashboard.
func (t *ErrorsTab) retry() {
	ids, pid := t.retryMailboxes(), t.m.projectID
	t.Retry.Disable()
	inBackground(t.m, func(context.Context) (struct{}, error) {
		return struct{}{}, t.m.shell.App.StartPush(context.Background(), pid, ids, 0)
	}, func(_ struct{}, err error) {
		if err != nil {
			t.Summary.SetText(couldNot("retry the failed messages", err))
			t.Retry.Enable()
			return
		}
		t.Summary.SetText(fmt.Sprintf("Pushing %s again: progress is on the Dashboard.", strings.Join(ids, ", ")))
	})
}

// Failures is the list on show (tests).
func (t *ErrorsTab) Failures() []app.Failure { return t.failures }

// CellText is one cell's text; row 0 is the header (tests).
func (t *ErrorsTab) CellText(row, col int) string {
	if row == 0 {
		return errorColumns[col].title
	}
	if row-1 >= len(t.failures) {
		return ""
	}
	f := t.failures[row-1]
	switch col {
	case 0:
		return f.Mailbox
	case 1:
		if f.Folder == "" {
			return f.DestFolder + " (new host)"
		}
		return f.Folder
	case 2:
		if f.Subject != "" {
			return f.Subject
		}
		if f.MessageID != "" {
			return f.MessageID
		}
		return fmt.Sprintf("UID %d", f.SourceUID)
	case 3:
		return fmt.Sprintf("%.0f", float64(f.Size)/1024)
	case 4:
		return reasonWords(f.Code)
	case 5:
		return f.Text
	}
	return ""
}
