// Package views is Mailshift's Fyne GUI. Screens take their dependencies as
// parameters, talk only to app/, and never do I/O on the UI goroutine:
// work runs in a goroutine and its result is applied inside fyne.Do.
package views

import (
	"context"
	"os"
	gosync "sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

// Shell is the main window's frame: it owns the current screen and the
// background work started from screens.
type Shell struct {
	App    *app.App
	Window fyne.Window
	Actor  string // the person using the app, for the audit log

	Version string // shown in About

	// NoKeychain keeps the OS keychain out of it (tests; a user's choice).
	NoKeychain bool
	// AskPassphrase, when set, replaces the passphrase dialog (tests).
	AskPassphrase func(problem string, answer func(pass []byte, ok bool))
	// Confirm, when set, replaces the yes/no dialog of RequestClose (tests).
	Confirm func(title, message string, answer func(ok bool))

	content *fyne.Container
	status  *widget.Label
	current Screen
	uiMu    gosync.Mutex // serialises Do (see there)
	ctx     context.Context
	cancel  context.CancelFunc // cancels the current screen's work
	work    idleCount          // background work in flight (Background, inBackground)
}

// NewShell builds the frame in w and shows the projects screen.
func NewShell(a *app.App, w fyne.Window) *Shell {
	s := &Shell{App: a, Window: w, Actor: os.Getenv("USER"), content: container.NewStack(), status: widget.NewLabel("")}
	if s.Actor == "" {
		s.Actor = os.Getenv("USERNAME")
	}
	w.SetContent(container.NewBorder(nil, s.status, nil, nil, s.content))
	s.Show(NewProjectsScreen(s))
	return s
}

// Screen is one entry of the table of screens.
type Screen interface {
	Title() string
	Content() fyne.CanvasObject
	// Start begins the screen's background work (loading, watching events);
	// the context ends when the user leaves the screen.
	Start(ctx context.Context)
}

// Show replaces the current screen, stopping the old one's work.
func (s *Shell) Show(sc Screen) {
	if s.cancel != nil {
		s.cancel()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.current = sc
	s.content.Objects = []fyne.CanvasObject{sc.Content()}
	s.content.Refresh()
	s.Window.SetTitle("Mailshift — " + sc.Title())
	sc.Start(s.ctx)
}

// Current is the screen on show.
func (s *Shell) Current() Screen { return s.current }

// Background runs work off the UI goroutine and hands its result to apply
// on the UI goroutine. Errors go to the status line in plain words.
func Background[T any](s *Shell, work func(ctx context.Context) (T, error), apply func(T)) {
	ctx := s.ctx
	s.work.add()
	go func() {
		defer s.work.done()
		v, err := work(ctx)
		if ctx.Err() != nil {
			return // the user left the screen
		}
		s.Do(func() {
			if err != nil {
				s.SetStatus(err.Error())
				return
			}
			apply(v)
		})
	}()
}

// Do runs f on the UI goroutine, one f at a time. The real driver already
// serialises fyne.Do; Fyne's test driver runs it inline on the calling
// goroutine, where two background results (or a result and an event)
// would otherwise update the same widget at once. f must not call Do.
func (s *Shell) Do(f func()) {
	fyne.Do(func() {
		s.uiMu.Lock()
		defer s.uiMu.Unlock()
		f()
	})
}

// WaitIdle blocks until background work started so far has been applied.
// Tests use it instead of sleeping.
func (s *Shell) WaitIdle() { s.work.wait() }

// SetStatus shows a one-line message at the bottom of the window.
func (s *Shell) SetStatus(msg string) { s.status.SetText(msg) }

// StatusText is the status line's text (for tests).
func (s *Shell) StatusText() string { return s.status.Text }

// Close stops the current screen's work.
func (s *Shell) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.work.wait()
}
