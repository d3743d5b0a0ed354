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
	"mailshift/store"
)

// serverTestPanel is Setup's "Test" for the old and the new host: it saves
// the form, then shows what the server says about itself (encryption,
// certificate, capabilities, the first mailbox's folders) and, for a
// certificate that is not trusted, offers to trust exactly that one.
type serverTestPanel struct {
	TestOld, TestNew *widget.Button
	Trust            *widget.Button // shown for an untrusted certificate
	Result           *widget.Label
	trustDest        bool
	fingerprint      string
}

func (u *SetupScreen) initServerTest() fyne.CanvasObject {
	p := &u.server
	p.TestOld = widget.NewButtonWithIcon("Test old host", theme.SearchIcon(), func() { u.TestServer(false) })
	p.TestNew = widget.NewButtonWithIcon("Test new host", theme.SearchIcon(), func() { u.TestServer(true) })
	p.Trust = widget.NewButtonWithIcon("Trust this certificate", theme.ConfirmIcon(), u.trustCertificate)
	p.Trust.Hide()
	p.Result = widget.NewLabel("")
	p.Result.Wrapping = fyne.TextWrapWord
	return container.NewVBox(container.NewHBox(p.TestOld, p.TestNew), p.Result, p.Trust)
}

// TestServer saves the form and tests the old (dest=false) or new host.
func (u *SetupScreen) TestServer(dest bool) {
	p := &u.server
	ps, err := u.settingsFromForm()
	if err != nil {
		p.Result.SetText(err.Error())
		return
	}
	p.Trust.Hide()
	p.Result.SetText("Testing…")
	type result struct {
		proj store.Project
		t    app.ServerTest
		err  error
	}
	Background(u.shell, func(ctx context.Context) (result, error) {
		proj, err := u.shell.App.UpdateSettings(ctx, u.projectID, u.shell.Actor, ps)
		if err != nil {
			return result{err: err}, nil
		}
		t, err := u.shell.App.TestServer(ctx, u.projectID, dest)
		return result{proj, t, err}, nil
	}, func(r result) {
		if r.proj.ID != "" {
			u.project = r.proj
		}
		p.Result.SetText(serverTestWords(r.t, r.err, dest))
		if r.t.Untrusted && r.t.Fingerprint != "" {
			p.trustDest, p.fingerprint = dest, r.t.Fingerprint
			p.Trust.Show()
		}
	})
}

// trustCertificate pins the certificate just shown and tests again.
func (u *SetupScreen) trustCertificate() {
	p := &u.server
	dest, fp := p.trustDest, p.fingerprint
	Background(u.shell, func(ctx context.Context) (store.Project, error) {
		return u.shell.App.PinServer(ctx, u.projectID, u.shell.Actor, dest, fp)
	}, func(proj store.Project) {
		u.project = proj
		if !dest {
			u.Pin.SetText(fp)
		}
		p.Trust.Hide()
		u.TestServer(dest)
	})
}

// serverTestWords says what the test found, in plain words.
func serverTestWords(t app.ServerTest, err error, dest bool) string {
	side := "The old host"
	if dest {
		side = "The new host"
	}
	if err != nil {
		if t.Untrusted {
			return fmt.Sprintf("%s's certificate is not trusted (self-signed or for another name). Its SHA-256 fingerprint is\n%s\n"+
				"Ask the host for its fingerprint; only if they match, press Trust this certificate.", side, t.Fingerprint)
		}
		return sentence(err.Error())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s answers at %s", side, t.Reach.Server)
	switch {
	case t.Reach.Plaintext:
		b.WriteString(" without encryption (allowed for this server only)")
	case t.Fingerprint != "":
		fmt.Fprintf(&b, " over TLS; certificate SHA-256 %s", t.Fingerprint)
	}
	fmt.Fprintf(&b, ".\nCapabilities: %s.", strings.Join(t.Reach.Capabilities, " "))
	switch {
	case !t.LoginTested:
		b.WriteString("\nAdd a mailbox to test a login and see its folders.")
	case t.LoginErr != nil:
		fmt.Fprintf(&b, "\nThe first mailbox's login failed: %s", sentence(t.LoginErr.Error()))
	default:
		var names []string
		for _, f := range t.Login.Folders {
			names = append(names, f.Name)
		}
		fmt.Fprintf(&b, "\nThe first mailbox logs in: %d folder(s): %s.", len(names), strings.Join(names, ", "))
	}
	return b.String()
}
