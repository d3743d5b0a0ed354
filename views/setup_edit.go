package views

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// initEdit builds "Edit mailbox…", which changes the selected row's
// logins and passwords (say, after its login test failed).
func (u *SetupScreen) initEdit() *widget.Button {
	u.EditMailbox = widget.NewButtonWithIcon("Edit…", theme.DocumentCreateIcon(), u.editDialog)
	u.EditMailbox.Disable()
	return u.EditMailbox
}

// selectRow remembers the selected mailbox for Edit.
func (u *SetupScreen) selectRow(row int) {
	if row < 1 || row > len(u.mailboxes) {
		return
	}
	u.selected = u.mailboxes[row-1].ID
	u.EditMailbox.Enable()
}

func (u *SetupScreen) editDialog() {
	var m store.Mailbox
	for _, mb := range u.mailboxes {
		if mb.ID == u.selected {
			m = mb
		}
	}
	if m.ID == "" {
		return
	}
	login, dlogin := widget.NewEntry(), widget.NewEntry()
	login.SetText(m.SourceLogin)
	dlogin.SetText(m.DestLogin)
	pw, dpw := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	pw.SetPlaceHolder("unchanged")
	dpw.SetPlaceHolder("unchanged")
	items := []*widget.FormItem{
		widget.NewFormItem("Old host login", login),
		widget.NewFormItem("Old host password", pw),
		widget.NewFormItem("New host login", dlogin),
		widget.NewFormItem("New host password", dpw),
	}
	dialog.ShowForm("Edit "+m.Email, "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		e := app.MailboxEdit{SourceLogin: login.Text, DestLogin: dlogin.Text}
		if pw.Text != "" {
			e.SourcePassword = []byte(pw.Text)
		}
		if dpw.Text != "" {
			e.DestPassword = []byte(dpw.Text)
		}
		u.Edit(m.ID, e)
	}, u.shell.Window)
}

// Edit saves a change to one mailbox in the background (asking to unlock
// saved passwords first when a password changes).
func (u *SetupScreen) Edit(mailboxID string, e app.MailboxEdit) {
	save := func() {
		Background(u.shell, func(ctx context.Context) (error, error) {
			_, err := u.shell.App.EditMailbox(ctx, u.projectID, u.shell.Actor, mailboxID, e)
			return err, nil
		}, func(err error) {
			if err != nil {
				u.ImportMsg.SetText("Not saved: " + sentence(err.Error()))
				return
			}
			delete(u.logins, mailboxID) // its old test result no longer stands
			u.ImportMsg.SetText(fmt.Sprintf("Saved %s: test its login again.", mailboxID))
			u.reload()
		})
	}
	if e.SourcePassword == nil && e.DestPassword == nil {
		save()
		return
	}
	u.shell.WithSecrets(func(ok bool) {
		if ok {
			save()
		}
	})
}
