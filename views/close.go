package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// RequestClose is the window's close button: with nothing running it
// quits at once; during a run it asks first, and on yes pauses every job
// (everything committed is kept; the next run continues where this one
// stopped), stops the current screen's work and then calls quit. No
// closes nothing.
func (s *Shell) RequestClose(quit func()) {
	leave := func() {
		go func() {
			s.App.Jobs().PauseAll() // waits until each job has stopped
			// fyne.Do, not s.Do: Close waits for background work, which
			// may itself be waiting for s.Do's lock.
			fyne.Do(func() { s.Close(); quit() })
		}()
	}
	if !s.App.Jobs().Running() {
		leave()
		return
	}
	const title = "A migration is running"
	const msg = "Pause it and quit? Everything copied so far is kept, and the next start continues where it stopped."
	if s.Confirm != nil {
		s.Confirm(title, msg, func(ok bool) {
			if ok {
				leave()
			}
		})
		return
	}
	dialog.ShowConfirm(title, msg, func(ok bool) {
		if ok {
			leave()
		}
	}, s.Window)
}
