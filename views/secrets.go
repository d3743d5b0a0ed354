package views

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mailshift/store"
)

// WithSecrets runs then(true) once saved passwords are usable: at once when
// already unlocked, else after the OS keychain or, when there is none, the
// passphrase the user types. then(false) when the user cancels. then always
// runs on the UI goroutine.
func (s *Shell) WithSecrets(then func(ok bool)) {
	if s.App.SecretsUnlocked() {
		then(true)
		return
	}
	s.unlock(nil, "", then)
}

func (s *Shell) unlock(pass []byte, problem string, then func(bool)) {
	if pass == nil && problem == "" && !s.NoKeychain {
		// First try the keychain alone; ask only if it cannot help.
		Background(s, func(ctx context.Context) (error, error) {
			_, err := s.App.UnlockSecrets(ctx, nil, true)
			return err, nil
		}, func(err error) {
			if err == nil {
				then(true)
				return
			}
			s.askPassphrase(keychainProblem(err), then)
		})
		return
	}
	if pass == nil {
		if problem == "" {
			problem = keychainProblem(store.ErrPassphraseNeeded)
		}
		s.askPassphrase(problem, then)
		return
	}
	Background(s, func(ctx context.Context) (error, error) {
		_, err := s.App.UnlockSecrets(ctx, pass, !s.NoKeychain)
		return err, nil
	}, func(err error) {
		if err != nil {
			s.askPassphrase(sentence(err.Error()), then)
			return
		}
		then(true)
	})
}

func keychainProblem(err error) string {
	if errors.Is(err, store.ErrPassphraseNeeded) {
		return "The OS keychain is not available, so saved passwords are protected by a passphrase. Choose one (or type the one you chose before)."
	}
	return sentence(err.Error())
}

// askPassphrase shows the passphrase prompt (or the test hook).
func (s *Shell) askPassphrase(problem string, then func(bool)) {
	if s.AskPassphrase != nil {
		s.AskPassphrase(problem, func(pass []byte, ok bool) {
			if !ok {
				then(false)
				return
			}
			s.unlock(pass, "", then)
		})
		return
	}
	entry := widget.NewPasswordEntry()
	msg := widget.NewLabel(problem)
	msg.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{widget.NewFormItem("", msg), widget.NewFormItem("Passphrase", entry)}
	d := dialog.NewForm("Saved passwords", "Unlock", "Cancel", items, func(ok bool) {
		if !ok || entry.Text == "" {
			then(false)
			return
		}
		s.unlock([]byte(entry.Text), "", then)
	}, s.Window)
	d.Resize(d.MinSize().AddWidthHeight(200, 0))
	d.Show()
	s.Window.Canvas().Focus(entry)
}
