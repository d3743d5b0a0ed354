package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"unicode/utf8"

	"mailshift/store"
)

// The Microsoft 365 IMAP migration CSV: EmailAddress is the mailbox's
// address (on the new host), UserName and Password the old host's login.
// Mailshift also reads optional destination login columns.
var (
	csvRequired = []string{"EmailAddress", "UserName", "Password"}
	csvOptional = []string{"DestinationUserName", "DestinationPassword"}
)

// RowError is one problem in an import file, by line (1 = the header).
type RowError struct {
	Line   int
	Column string
	Msg    string
}

func (e RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, %s: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ImportError lists every problem found; nothing was imported.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nothing was imported: %d problem(s) in the file; fix them and import again", len(e.Rows))
	for i, r := range e.Rows {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Rows)-20)
			break
		}
		b.WriteString("\n  " + r.Error())
	}
	return b.String()
}

// ImportMailboxesCSV reads a mailbox list and adds every row, or none: any
// problem (wrong columns, a duplicate address, an empty password, bytes that
// are not UTF-8) returns an *ImportError listing all of them by line.
func (a *App) ImportMailboxesCSV(ctx context.Context, projectID, actor string, r io.Reader) (int, error) {
	if _, err := a.db.Project(projectID); err != nil {
		return 0, err
	}
	existing, err := a.db.Mailboxes(projectID)
	if err != nil {
		return 0, err
	}
	rows, err := parseMailboxCSV(r, existing)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(rows) > 0 && !a.db.SecretsUnlocked() {
		return 0, fmt.Errorf("the file has passwords, and %w", store.ErrSecretsLocked)
	}
	if err := a.db.AddMailboxes(projectID, rows); err != nil {
		return 0, err
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: actorOr(actor), Kind: "mailboxes.imported",
		Subject: projectID, Detail: fmt.Sprintf("%d mailbox(es) from CSV", len(rows))})
	a.Events.Publish(MailboxesChanged{ProjectID: projectID, Added: len(rows)})
	return len(rows), nil
}

func parseMailboxCSV(r io.Reader, existing []store.Mailbox) ([]store.NewMailbox, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read the CSV file: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel's UTF-8 mark
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{[]RowError{{Line: 1, Msg: "the file is empty; the first line must be " + strings.Join(csvRequired, ",")}}}
	}
	if err != nil {
		return nil, &ImportError{[]RowError{{Line: 1, Msg: "not a CSV file: " + err.Error()}}}
	}
	col, herrs := mapHeader(header)
	if len(herrs) > 0 {
		return nil, &ImportError{herrs}
	}
	seen := map[string]int{}
	for _, m := range existing {
		seen[m.ID] = 0
	}
	var out []store.NewMailbox
	var errs []RowError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			errs = append(errs, RowError{Line: line, Msg: "cannot read this line: " + err.Error()})
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		m, rowErrs := parseRow(line, rec, len(header), col, seen)
		errs = append(errs, rowErrs...)
		if len(rowErrs) == 0 {
			out = append(out, m)
		}
	}
	if len(errs) > 0 {
		return nil, &ImportError{errs}
	}
	return out, nil
}

func mapHeader(header []string) (map[string]int, []RowError) {
	col := map[string]int{}
	var errs []RowError
	known := append(append([]string{}, csvRequired...), csvOptional...)
	for i, h := range header {
		name := ""
		for _, k := range known {
			if strings.EqualFold(strings.TrimSpace(h), k) {
				name = k
			}
		}
		if name == "" {
			errs = append(errs, RowError{Line: 1, Column: h, Msg: "unknown column; the columns are " + strings.Join(known, ", ")})
			continue
		}
		if _, dup := col[name]; dup {
			errs = append(errs, RowError{Line: 1, Column: h, Msg: "column appears twice"})
		}
		col[name] = i
	}
	for _, req := range csvRequired {
		if _, ok := col[req]; !ok {
			errs = append(errs, RowError{Line: 1, Column: req, Msg: "required column is missing (the first line must start " + strings.Join(csvRequired, ",") + ")"})
		}
	}
	return col, errs
}

func parseRow(line int, rec []string, width int, col map[string]int, seen map[string]int) (store.NewMailbox, []RowError) {
	var errs []RowError
	if len(rec) != width {
		return store.NewMailbox{}, []RowError{{Line: line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), width)}}
	}
	for i, f := range rec {
		if !utf8.ValidString(f) {
			errs = append(errs, RowError{Line: line, Column: headerName(col, i), Msg: "contains bytes that are not UTF-8; save the file as CSV UTF-8"})
		}
	}
	if len(errs) > 0 {
		return store.NewMailbox{}, errs
	}
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return rec[i]
		}
		return ""
	}
	email := strings.TrimSpace(get("EmailAddress"))
	m := store.NewMailbox{Mailbox: store.Mailbox{Email: email, SourceLogin: strings.TrimSpace(get("UserName")),
		DestLogin: strings.TrimSpace(get("DestinationUserName"))}}
	if _, _, err := validAddress(email); err != nil {
		errs = append(errs, RowError{Line: line, Column: "EmailAddress", Msg: err.Error()})
	} else if prev, dup := seen[store.MailboxID(email)]; dup {
		where := "is already in this project"
		if prev > 0 {
			where = fmt.Sprintf("also appears on line %d", prev)
		}
		errs = append(errs, RowError{Line: line, Column: "EmailAddress", Msg: email + " " + where})
	} else {
		seen[store.MailboxID(email)] = line
	}
	if m.SourceLogin == "" {
		errs = append(errs, RowError{Line: line, Column: "UserName", Msg: "is empty; give the old host's login name"})
	}
	if get("Password") == "" {
		errs = append(errs, RowError{Line: line, Column: "Password", Msg: "is empty; give the old host's password"})
	}
	m.SourcePassword = []byte(get("Password"))
	m.DestPassword = []byte(get("DestinationPassword"))
	return m, errs
}

func headerName(col map[string]int, i int) string {
	for name, j := range col {
		if j == i {
			return name
		}
	}
	return fmt.Sprintf("column %d", i+1)
}

// validAddress checks a bare address (no display name) and splits it.
func validAddress(email string) (local, domain string, err error) {
	addr, perr := mail.ParseAddress(email)
	if perr != nil || addr.Address != email {
		return "", "", fmt.Errorf("%q is not an email address", email)
	}
	at := strings.LastIndex(email, "@")
	return email[:at], email[at+1:], nil
}
