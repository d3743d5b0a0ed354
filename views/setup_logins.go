package views

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// loginRow is what the mailboxes table knows of one mailbox's login tests.
type loginRow struct {
	testing bool
	side    [2]*app.LoginResult // [0] old host, [1] new host; nil until tested
}

// initLogins builds the "Test all logins" button and its message line.
func (u *SetupScreen) initLogins() {
	u.logins = map[string]*loginRow{}
	u.TestAllLogins = widget.NewButtonWithIcon("Test all logins", theme.MediaPlayIcon(), u.testLogins)
	u.LoginsMsg = widget.NewLabel("")
	u.LoginsMsg.Wrapping = fyne.TextWrapWord
	u.Mailboxes.OnSelected = func(id widget.TableCellID) {
		if id.Row == 0 || id.Row > len(u.mailboxes) {
			return
		}
		u.selectRow(id.Row)
		if text := u.LoginDetail(u.mailboxes[id.Row-1].ID); text != "" {
			u.LoginsMsg.SetText(text)
		}
	}
}

// loginCell is the short status of one side's login test for the table.
func (u *SetupScreen) loginCell(mailboxID string, dest bool) string {
	row := u.logins[mailboxID]
	if row == nil {
		return "—"
	}
	side := 0
	if dest {
		side = 1
	}
	r := row.side[side]
	if r == nil {
		if row.testing {
			return "testing…"
		}
		return "—"
	}
	return loginWord(*r)
}

// loginWord is an outcome in a word or two; the full sentence is shown
// when the row is selected.
func loginWord(r app.LoginResult) string {
	switch r.Outcome {
	case app.LoginOK:
		if r.Folders == 1 {
			return "OK · 1 folder"
		}
		return fmt.Sprintf("OK · %d folders", r.Folders)
	case app.LoginWrongPassword:
		return "wrong password"
	case app.LoginNoPassword:
		return "no password"
	case app.LoginCannotConnect:
		return "cannot connect"
	case app.LoginCertificate:
		return "certificate problem"
	case app.LoginBusy:
		return "too many connections"
	case app.LoginStopped:
		return "not tested"
	}
	return "failed"
}

// LoginDetail is a mailbox's login results in full sentences ("" before
// any test), as shown when its row is selected.
func (u *SetupScreen) LoginDetail(mailboxID string) string {
	row := u.logins[mailboxID]
	if row == nil {
		return ""
	}
	text := ""
	for _, r := range row.side {
		if r == nil {
			continue
		}
		if text == "" {
			text = r.Email + " — "
		} else {
			text += "; "
		}
		text += r.Side() + ": " + r.Words
	}
	return text
}

// LoginStatus is the table's text for one mailbox's side (for tests).
func (u *SetupScreen) LoginStatus(mailboxID string, dest bool) string {
	return u.loginCell(mailboxID, dest)
}

// testLogins tests every mailbox's logins in the background; each result
// is painted as it arrives.
func (u *SetupScreen) testLogins() {
	if len(u.mailboxes) == 0 {
		u.LoginsMsg.SetText("No mailboxes to test yet: add or import them first.")
		return
	}
	run := func(ok bool) {
		if !ok {
			u.LoginsMsg.SetText("Not tested: saved passwords need the passphrase.")
			return
		}
		u.startLoginTests()
	}
	if u.project.Demo { // the demo's passwords live in memory, not sealed
		run(true)
		return
	}
	u.shell.WithSecrets(run)
}

func (u *SetupScreen) startLoginTests() {
	u.TestAllLogins.Disable()
	for _, m := range u.mailboxes {
		u.logins[m.ID] = &loginRow{testing: true}
	}
	u.LoginsMsg.SetText(fmt.Sprintf("Testing %d login(s)…", 2*len(u.mailboxes)))
	u.Mailboxes.Refresh()
	type result struct {
		res []app.LoginResult
		mbs []store.Mailbox
		err error
	}
	Background(u.shell, func(ctx context.Context) (result, error) {
		res, err := u.shell.App.TestLogins(ctx, u.projectID, func(r app.LoginResult) {
			if ctx.Err() != nil {
				return // the user left the screen
			}
			u.shell.Do(func() { u.showLogin(r) })
		})
		mbs, _ := u.shell.App.Mailboxes(ctx, u.projectID) // statuses changed
		return result{res, mbs, err}, nil
	}, func(r result) {
		u.TestAllLogins.Enable()
		if r.mbs != nil {
			u.mailboxes = r.mbs
		}
		for _, row := range u.logins {
			row.testing = false
		}
		u.Mailboxes.Refresh()
		u.LoginsMsg.SetText(loginSummary(r.res, r.err))
	})
}

func (u *SetupScreen) showLogin(r app.LoginResult) {
	row := u.logins[r.MailboxID]
	if row == nil {
		row = &loginRow{}
		u.logins[r.MailboxID] = row
	}
	side := 0
	if r.Dest {
		side = 1
	}
	row.side[side] = &r
	u.Mailboxes.Refresh()
}

// loginSummary words a finished run: all good, or how many failed and the
// first failure in full.
func loginSummary(res []app.LoginResult, err error) string {
	if err != nil && len(res) == 0 {
		return "Logins not tested: " + sentence(err.Error())
	}
	failed, first := 0, ""
	for _, r := range res {
		if r.Outcome != app.LoginOK {
			if failed == 0 {
				first = r.Email + " — " + r.Side() + ": " + r.Words
			}
			failed++
		}
	}
	switch {
	case err != nil:
		return fmt.Sprintf("Stopped after %d of %d login(s). %s", len(res)-failed, len(res), sentence(err.Error()))
	case failed == 0:
		return fmt.Sprintf("All %d login(s) work.", len(res))
	}
	return fmt.Sprintf("%d of %d login(s) failed. First: %s. Select a row for its details.", failed, len(res), first)
}
