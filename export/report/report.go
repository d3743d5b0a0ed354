// Package report writes the customer's migration report (HTML and PDF):
// the project, its checklist, the timeline from the audit log with the hash
// chain head, DNS before and after, per-mailbox and per-folder
// reconciliation, exceptions with reasons, and the sign-off.
//
// The Report value is plain data; app/ fills it from the store, so this
// package knows nothing of bbolt, IMAP or DNS.
package report

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Report is everything the report shows.
type Report struct {
	Generated  time.Time
	Project    Project
	Steps      []Step
	Timeline   []Event
	AuditHead  string // hex SHA-256 of the last audit record
	AuditCount int
	AuditOK    bool   // the hash chain verified
	AuditNote  string // why not, when it did not
	DNSBefore  DNS
	DNSAfter   DNS
	Mailboxes  []Mailbox
	Exceptions []Exception
	SignOff    *SignOff // nil: not signed off yet
}

// Project is the header of the report.
type Project struct {
	Name, Domain     string
	OldHost, NewHost string
	Profile          string
	Cutover          time.Time
}

// Step is one checklist step's final state.
type Step struct {
	Phase            int
	ID, Title, Owner string
	Status, By       string
	At               time.Time
	Note, Reason     string
	Override         bool
}

// Event is one audit record.
type Event struct {
	Seq                          uint64
	At                           time.Time
	Actor, Kind, Subject, Detail string
}

// DNS is one snapshot of domain findings.
type DNS struct {
	At       time.Time // zero: none taken
	Findings []Finding
}

// Finding is one DNS or registration check result.
type Finding struct {
	Severity, Check, Summary, Action string
}

// Mailbox is one mailbox's reconciliation.
type Mailbox struct {
	Email   string
	Verdict string
	Folders []Folder
}

// Folder is one folder's counts on each side.
type Folder struct {
	Source, Destination               string
	SourceCount, Local, OnDestination int
	Missing, Extra, Skipped           int
}

// Exception is one message that was skipped or failed, with its reason.
type Exception struct {
	Mailbox, Folder, Message, Reason string
}

// SignOff records who accepted the migration.
type SignOff struct {
	Customer string
	Provider string
	At       time.Time
	Note     string
}

// Write renders r into dir as NAME.html and NAME.pdf. Each file is written
// to NAME.ext.partial first and renamed only when complete, so a crash
// leaves no half-written report under the real name.
func Write(ctx context.Context, dir, name string, r Report) (htmlPath, pdfPath string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("create report folder: %w", err)
	}
	htmlPath = filepath.Join(dir, name+".html")
	pdfPath = filepath.Join(dir, name+".pdf")
	if err := writeAtomic(htmlPath, func(w io.Writer) error { return WriteHTML(w, r) }); err != nil {
		return "", "", err
	}
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	if err := writeAtomic(pdfPath, func(w io.Writer) error { return WritePDF(w, r) }); err != nil {
		return "", "", err
	}
	return htmlPath, pdfPath, nil
}

func writeAtomic(path string, write func(io.Writer) error) error {
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// Totals sums every folder of every mailbox.
func (r Report) Totals() Folder {
	var t Folder
	for _, m := range r.Mailboxes {
		for _, f := range m.Folders {
			t.SourceCount += f.SourceCount
			t.Local += f.Local
			t.OnDestination += f.OnDestination
			t.Missing += f.Missing
			t.Extra += f.Extra
			t.Skipped += f.Skipped
		}
	}
	return t
}

// Verdict is the report's one-line conclusion; it claims completeness only
// when nothing is missing and reconciliation data exists.
func (r Report) Verdict() string {
	t := r.Totals()
	switch {
	case len(r.Mailboxes) == 0:
		return "No reconciliation has been run yet: the report cannot vouch for the data."
	case t.Missing == 0 && len(r.Exceptions) == 0:
		return fmt.Sprintf("All %d messages are on the destination.", t.SourceCount)
	case t.Missing == 0:
		return fmt.Sprintf("All %d messages are accounted for; %d exception(s) are listed with their reasons.", t.SourceCount, len(r.Exceptions))
	default:
		return fmt.Sprintf("%d of %d messages are missing on the destination; see the exceptions.", t.Missing, t.SourceCount)
	}
}
