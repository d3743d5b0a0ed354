package views

// Adding mailboxes on the Setup screen: a CSV import (all or nothing, with
// the file's problems listed per row) or one mailbox by hand. Both ask for
// the passphrase first when saved passwords are locked.

import (
	"context"
	"errors"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

func (u *SetupScreen) pickCSV() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		u.ImportFrom(rc)
	}, u.shell.Window)
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// ImportFrom imports a CSV in the background (closing r), asking for the
// passphrase first when saved passwords are locked.
func (u *SetupScreen) ImportFrom(r io.ReadCloser) {
	u.ImportCSV.Disable()
	u.ImportMsg.SetText("Importing…")
	u.shell.WithSecrets(func(ok bool) {
		if !ok {
			r.Close()
			u.ImportCSV.Enable()
			u.ImportMsg.SetText("Not imported: saved passwords need the passphrase.")
			return
		}
		type result struct {
			n   int
			err error
		}
		Background(u.shell, func(ctx context.Context) (result, error) {
			defer r.Close()
			n, err := u.shell.App.ImportMailboxesCSV(ctx, u.projectID, u.shell.Actor, r)
			return result{n, err}, nil
		}, func(res result) {
			u.ImportCSV.Enable()
			u.rowErrors = nil
			var ie *app.ImportError
			switch {
			case errors.As(res.err, &ie):
				u.rowErrors = ie.Rows
				u.ImportMsg.SetText(fmt.Sprintf("Nothing was imported: %d problem(s) in the file. Fix them and import again.", len(ie.Rows)))
			case res.err != nil:
				u.ImportMsg.SetText("Nothing was imported: " + sentence(res.err.Error()))
			default:
				u.ImportMsg.SetText(fmt.Sprintf("Imported %d mailbox(es).", res.n))
				u.reload()
			}
			u.ImportRows.Refresh()
		})
	})
}

// RowErrors are the problems the last import found (for tests).
func (u *SetupScreen) RowErrors() []app.RowError { return u.rowErrors }

// MailboxList is what the table shows (for tests).
func (u *SetupScreen) MailboxList() []store.Mailbox { return u.mailboxes }

func (u *SetupScreen) addDialog() {
	email, login, pw := widget.NewEntry(), widget.NewEntry(), widget.NewPasswordEntry()
	dlogin, dpw := widget.NewEntry(), widget.NewPasswordEntry()
	items := []*widget.FormItem{
		widget.NewFormItem("Email address", email),
		widget.NewFormItem("Old host login", login),
		widget.NewFormItem("Old host password", pw),
		widget.NewFormItem("New host login", dlogin),
		widget.NewFormItem("New host password", dpw),
	}
	dialog.ShowForm("Add mailbox", "Add", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		m := store.NewMailbox{Mailbox: store.Mailbox{Email: email.Text, SourceLogin: login.Text, DestLogin: dlogin.Text},
			SourcePassword: []byte(pw.Text), DestPassword: []byte(dpw.Text)}
		u.Add(m)
	}, u.shell.Window)
}

// Add stores one mailbox in the background.
func (u *SetupScreen) Add(m store.NewMailbox) {
	u.shell.WithSecrets(func(ok bool) {
		if !ok {
			return
		}
		Background(u.shell, func(ctx context.Context) (error, error) {
			return u.shell.App.AddMailbox(ctx, u.projectID, u.shell.Actor, m), nil
		}, func(err error) {
			if err != nil {
				u.ImportMsg.SetText("Not added: " + sentence(err.Error()))
				return
			}
			u.ImportMsg.SetText("Added " + m.Email + ".")
			u.reload()
		})
	})
}
