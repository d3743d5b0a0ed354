package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/store"
)

// SettingsScreen holds the installation's preferences: who you are, the
// data folder, connection limits, resolvers for propagation checks and how
// saved passwords are protected.
type SettingsScreen struct {
	shell *Shell

	Actor, MaxConn *widget.Entry
	Resolvers      *widget.Entry
	UseKeychain    *widget.Check
	Appearance     *widget.RadioGroup
	DataDir        *widget.Label
	Secrets        *widget.Label
	Unlock, Save   *widget.Button
	Message        *widget.Label
	content        fyne.CanvasObject
}

// NewSettingsScreen builds the settings screen.
func NewSettingsScreen(s *Shell) *SettingsScreen {
	st := &SettingsScreen{shell: s}
	st.Actor = entry("Your name, as it should appear in the audit log")
	st.MaxConn = entry("4 (default)")
	st.Resolvers = widget.NewMultiLineEntry()
	st.Resolvers.SetPlaceHolder("One IP address per line (empty: the well-known public resolvers)")
	st.Resolvers.SetMinRowsVisible(4)
	st.UseKeychain = widget.NewCheck("Keep the key to saved passwords in the OS keychain", nil)
	st.DataDir = widget.NewLabel(s.App.DataDir())
	st.DataDir.Wrapping = fyne.TextWrapBreak
	st.Secrets = widget.NewLabel("")
	st.Secrets.Wrapping = fyne.TextWrapWord
	st.Unlock = widget.NewButtonWithIcon("Unlock saved passwords…", theme.LoginIcon(), func() {
		s.WithSecrets(func(ok bool) { st.showSecrets() })
	})
	st.Appearance = widget.NewRadioGroup(appearanceChoices, nil)
	st.Appearance.Horizontal = true
	st.Appearance.Required = true
	st.Appearance.SetSelected(appearanceChoices[0])
	st.Message = widget.NewLabel("")
	st.Save = widget.NewButtonWithIcon("Save settings", theme.DocumentSaveIcon(), st.save)
	form := widget.NewForm(
		widget.NewFormItem("Your name", st.Actor),
		widget.NewFormItem("Connections per server", st.MaxConn),
		widget.NewFormItem("Resolvers for propagation", st.Resolvers),
		widget.NewFormItem("Appearance", st.Appearance),
		widget.NewFormItem("Data folder", container.NewVBox(st.DataDir,
			widget.NewLabel("To use another folder, start Mailshift with --data FOLDER."))),
		widget.NewFormItem("Saved passwords", container.NewVBox(st.Secrets, st.UseKeychain, st.Unlock)),
	)
	about := widget.NewButtonWithIcon("About Mailshift", theme.InfoIcon(), s.ShowAbout)
	back := widget.NewButtonWithIcon("Projects", theme.NavigateBackIcon(), func() { s.Open("projects", "") })
	st.content = container.NewBorder(container.NewHBox(back, about), nil, nil, nil,
		container.NewVScroll(container.NewVBox(form, st.Save, st.Message)))
	return st
}

func (st *SettingsScreen) Title() string              { return "Settings" }
func (st *SettingsScreen) Content() fyne.CanvasObject { return st.content }

// Start loads the saved settings.
func (st *SettingsScreen) Start(ctx context.Context) {
	st.showSecrets()
	Background(st.shell, func(ctx context.Context) (store.Settings, error) {
		return st.shell.App.Settings(ctx)
	}, func(s store.Settings) {
		st.Actor.SetText(s.Actor)
		if st.Actor.Text == "" {
			st.Actor.SetText(st.shell.Actor)
		}
		if s.MaxConnections > 0 {
			st.MaxConn.SetText(strconv.Itoa(s.MaxConnections))
		}
		st.Resolvers.SetText(strings.Join(s.Resolvers, "\n"))
		st.UseKeychain.SetChecked(!s.NoKeychain)
		st.Appearance.SetSelected(appearanceLabel(s.Appearance))
	})
}

func (st *SettingsScreen) showSecrets() {
	if st.shell.App.SecretsUnlocked() {
		st.Secrets.SetText("Unlocked for this session.")
		st.Unlock.Disable()
	} else {
		st.Secrets.SetText("Locked: Mailshift asks for the keychain or passphrase when a password is needed.")
		st.Unlock.Enable()
	}
}

func (st *SettingsScreen) save() {
	s := store.Settings{Actor: st.Actor.Text, Resolvers: strings.Split(st.Resolvers.Text, "\n"), NoKeychain: !st.UseKeychain.Checked,
		Appearance: appearanceName(st.Appearance.Selected)}
	if t := strings.TrimSpace(st.MaxConn.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			st.Message.SetText("Connections per server: give a number from 1 to 64.")
			return
		}
		s.MaxConnections = n
	}
	Background(st.shell, func(ctx context.Context) (error, error) {
		return st.shell.App.SaveSettings(ctx, s), nil
	}, func(err error) {
		if err != nil {
			st.Message.SetText(sentence(err.Error()))
			return
		}
		st.shell.Actor = strings.TrimSpace(s.Actor)
		st.shell.NoKeychain = s.NoKeychain
		ApplyAppearance(s.Appearance)
		st.Message.SetText("Saved.")
	})
}

// appearanceChoices are the labels of the appearance setting, in the order
// of appearanceNames.
var (
	appearanceChoices = []string{"Same as the system", "Light", "Dark"}
	appearanceNames   = []string{AppearanceSystem, AppearanceLight, AppearanceDark}
)

func appearanceLabel(name string) string {
	for i, n := range appearanceNames {
		if n == name {
			return appearanceChoices[i]
		}
	}
	return appearanceChoices[0]
}

func appearanceName(label string) string {
	for i, l := range appearanceChoices {
		if l == label {
			return appearanceNames[i]
		}
	}
	return AppearanceSystem
}

// ShowAbout shows the version and what the app is.
func (s *Shell) ShowAbout() {
	dialog.ShowInformation("About Mailshift", fmt.Sprintf("Mailshift %s\n\nMoves a business's email from an old IMAP host to a new one:\npre-flight checks, copy, PST export, cutover day and sign-off.", s.Version), s.Window)
}
