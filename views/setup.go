package views

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// SetupScreen is Phase 1: the project's server settings and its mailboxes
// (added one by one or imported from CSV, with per-row errors).
type SetupScreen struct {
	shell     *Shell
	projectID string
	project   store.Project
	mailboxes []store.Mailbox
	rowErrors []app.RowError

	Header                         *widget.Label
	Domain, Source, Pin, Dest, Max *widget.Entry
	SourcePlain                    *widget.Check
	Profile                        *widget.Select
	Cutover                        *widget.Entry
	SaveSettings                   *widget.Button
	SettingsMsg                    *widget.Label

	Mailboxes   *widget.Table
	ImportCSV   *widget.Button
	AddMailbox  *widget.Button
	EditMailbox *widget.Button // edits the selected row
	selected    string
	ImportMsg   *widget.Label
	ImportRows  *widget.List

	server serverTestPanel // Test old host / Test new host, certificate pinning

	TestAllLogins *widget.Button
	LoginsMsg     *widget.Label // the last run's summary, or the selected row's full result
	logins        map[string]*loginRow

	content fyne.CanvasObject
}

// The login tests come right after the address, so they show without scrolling.
var mailboxColumns = []string{"Address", "Old host test", "New host test", "Old host login", "New host login", "Status"}

// NewSetupScreen builds the Phase 1 screen for a project.
func NewSetupScreen(s *Shell, projectID string) *SetupScreen {
	u := &SetupScreen{shell: s, projectID: projectID}
	u.Header = widget.NewLabelWithStyle("Phase 1 — account setup and pre-flight", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	u.Domain, u.Source, u.Dest = entry("example.com"), entry("imaps://mail.oldhost.com:993"), entry("imaps://outlook.office365.com")
	u.Pin = entry("only for a self-signed certificate")
	u.Max = entry("4")
	u.Cutover = entry("2026-12-05 18:00")
	u.SourcePlain = widget.NewCheck("Allow unencrypted imap://", nil)
	u.Profile = widget.NewSelect(app.Profiles, nil)
	u.SettingsMsg = widget.NewLabel("")
	u.SettingsMsg.Wrapping = fyne.TextWrapWord
	u.SaveSettings = widget.NewButtonWithIcon("Save settings", theme.DocumentSaveIcon(), u.save)
	settings := widget.NewForm(
		widget.NewFormItem("Email domain", u.Domain),
		widget.NewFormItem("Old host", u.Source),
		widget.NewFormItem("", u.SourcePlain),
		widget.NewFormItem("Old host certificate pin", u.Pin),
		widget.NewFormItem("Connections to old host", u.Max),
		widget.NewFormItem("New host", u.Dest),
		widget.NewFormItem("New host profile", u.Profile),
		widget.NewFormItem("Cutover", u.Cutover),
	)
	u.Mailboxes = widget.NewTable(func() (int, int) { return len(u.mailboxes) + 1, len(mailboxColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("someone@example.com long") },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(u.cell(id)) })
	for i, w := range []float32{240, 150, 150, 200, 200, 110} {
		u.Mailboxes.SetColumnWidth(i, w)
	}
	u.initLogins()
	u.ImportCSV = widget.NewButtonWithIcon("Import CSV…", theme.FolderOpenIcon(), u.pickCSV)
	u.AddMailbox = widget.NewButtonWithIcon("Add mailbox…", theme.ContentAddIcon(), u.addDialog)
	u.ImportMsg = widget.NewLabel("CSV columns: EmailAddress,UserName,Password (optional: DestinationUserName,DestinationPassword)")
	u.ImportMsg.Wrapping = fyne.TextWrapWord
	u.ImportRows = widget.NewList(func() int { return len(u.rowErrors) },
		func() fyne.CanvasObject { return widget.NewLabel("line 12, Password: is empty") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(u.rowErrors[i].Error()) })
	left := container.NewVScroll(container.NewVBox(widget.NewLabelWithStyle("Servers", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		settings, u.SaveSettings, u.SettingsMsg, widget.NewSeparator(), u.initServerTest()))
	right := container.NewBorder(
		container.NewVBox(widget.NewLabelWithStyle("Mailboxes", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			container.NewHBox(u.ImportCSV, u.AddMailbox, u.initEdit(), u.TestAllLogins), u.ImportMsg, u.LoginsMsg),
		container.NewGridWrap(fyne.NewSize(600, 120), u.ImportRows), nil, nil, u.Mailboxes)
	split := container.NewHSplit(left, right)
	split.Offset = 0.42
	u.content = projectFrame(s, projectID, "setup", u.Header, split)
	return u
}

func (u *SetupScreen) Title() string              { return "Setup" }
func (u *SetupScreen) Content() fyne.CanvasObject { return u.content }

func (u *SetupScreen) cell(id widget.TableCellID) string {
	if id.Row == 0 {
		return mailboxColumns[id.Col]
	}
	m := u.mailboxes[id.Row-1]
	switch id.Col {
	case 1, 2:
		return u.loginCell(m.ID, id.Col == 2)
	}
	return []string{m.Email, "", "", m.SourceLogin, orDash(m.DestLogin), string(m.Status)}[id.Col]
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Start loads the project and its mailboxes.
func (u *SetupScreen) Start(ctx context.Context) { u.reload() }

func (u *SetupScreen) reload() {
	type loaded struct {
		p   store.Project
		mbs []store.Mailbox
	}
	Background(u.shell, func(ctx context.Context) (loaded, error) {
		p, err := u.shell.App.Project(ctx, u.projectID)
		if err != nil {
			return loaded{}, err
		}
		mbs, err := u.shell.App.Mailboxes(ctx, u.projectID)
		return loaded{p, mbs}, err
	}, func(l loaded) {
		u.project, u.mailboxes = l.p, l.mbs
		u.Header.SetText(fmt.Sprintf("Phase 1 — setup and pre-flight · %s · %d mailbox(es)", l.p.Name, len(l.mbs)))
		u.Domain.SetText(l.p.Domain)
		u.Source.SetText(app.ServerURL(l.p.Source))
		u.SourcePlain.SetChecked(l.p.Source.AllowPlaintext)
		u.Pin.SetText(l.p.Source.PinSHA256)
		u.Max.SetText(strconv.Itoa(max(l.p.Source.MaxConnections, 0)))
		u.Dest.SetText(app.ServerURL(l.p.Destination))
		u.Profile.SetSelected(l.p.Profile)
		if !l.p.CutoverAt.IsZero() {
			u.Cutover.SetText(l.p.CutoverAt.Local().Format("2006-01-02 15:04"))
		}
		u.Mailboxes.Refresh()
	})
}

func (u *SetupScreen) settingsFromForm() (app.ProjectSettings, error) {
	ps := app.ProjectSettings{Domain: u.Domain.Text, Profile: u.Profile.Selected}
	var err error
	if ps.Source, err = app.ParseServer(u.Source.Text, u.SourcePlain.Checked); err != nil {
		return ps, fmt.Errorf("Old host: %v", err)
	}
	ps.Source.PinSHA256 = strings.TrimSpace(u.Pin.Text)
	if t := strings.TrimSpace(u.Max.Text); t != "" && t != "0" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 64 {
			return ps, errors.New("Connections to old host: give a number from 1 to 64")
		}
		ps.Source.MaxConnections = n
	}
	// Keep settings the form does not show.
	if u.project.Demo {
		ps.Destination = u.project.Destination
	} else if ps.Destination, err = app.ParseServer(u.Dest.Text, false); err != nil {
		return ps, fmt.Errorf("New host: %v", err)
	}
	ps.Destination.PinSHA256 = u.project.Destination.PinSHA256
	ps.Destination.MaxConnections = u.project.Destination.MaxConnections
	if t := strings.TrimSpace(u.Cutover.Text); t != "" {
		if ps.CutoverAt, err = app.ParseWhen(t); err != nil {
			return ps, fmt.Errorf("Cutover: %v", err)
		}
	}
	return ps, nil
}

func (u *SetupScreen) save() {
	ps, err := u.settingsFromForm()
	if err != nil {
		u.SettingsMsg.SetText(err.Error())
		return
	}
	type result struct {
		p   store.Project
		err error
	}
	Background(u.shell, func(ctx context.Context) (result, error) {
		p, err := u.shell.App.UpdateSettings(ctx, u.projectID, u.shell.Actor, ps)
		return result{p, err}, nil
	}, func(r result) {
		if r.err != nil {
			u.SettingsMsg.SetText(sentence(r.err.Error()))
			return
		}
		u.project = r.p
		u.SettingsMsg.SetText("Saved.")
	})
}
