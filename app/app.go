// Package app holds Mailshift's use-cases: projects, the phase plan and its
// checklist, mailbox import, and (as they land) the jobs that move mail.
// The GUI (views/) and the CLI both call it; it never imports Fyne.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	gosync "sync"
	"time"

	"mailshift/domain"
	"mailshift/store"
)

// App is an open data folder plus the event bus. Safe for concurrent use.
type App struct {
	db     *store.DB
	Events *Bus
	now    func() time.Time

	jobsOnce gosync.Once
	jobs     *Jobs

	demoMu        gosync.Mutex
	demoPasswords map[string]string // this run's demo credentials, never stored

	// stepsMu keeps a step's saves and their StepChanged events in one
	// order: screens paint the event's step as it comes.
	stepsMu gosync.Mutex

	dnsMu      gosync.Mutex
	demoDNS    *domain.Config // the demo domain's loopback DNS, started on first use
	stopDNS    func()
	DomainBase domain.Config // how real domains are checked (zero: the public DNS); tests point it at loopback
}

// Options configure Open.
type Options struct {
	LockTimeout time.Duration
	Now         func() time.Time // tests pin the clock
}

// DefaultDataDir is the user's Mailshift folder (os.UserConfigDir/Mailshift).
func DefaultDataDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user's settings folder: %w (use --data DIR)", err)
	}
	return filepath.Join(base, "Mailshift"), nil
}

// Open opens the data folder dir.
func Open(ctx context.Context, dir string, opts Options) (*App, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	db, err := store.Open(dir, store.Options{LockTimeout: opts.LockTimeout})
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &App{db: db, Events: &Bus{}, now: now}, nil
}

// Close stops the demo DNS if it runs and closes the data folder.
func (a *App) Close() error {
	a.dnsMu.Lock()
	if a.stopDNS != nil {
		a.stopDNS()
		a.stopDNS, a.demoDNS = nil, nil
	}
	a.dnsMu.Unlock()
	return a.db.Close()
}

// DataDir is the open data folder.
func (a *App) DataDir() string { return a.db.Dir() }

// Store gives engine jobs the open store.
func (a *App) Store() *store.DB { return a.db }

// UnlockSecrets opens saved passwords with the OS keychain, or the
// passphrase when the keychain is unavailable. The returned note, when not
// empty, says plainly which protection is in force and why.
func (a *App) UnlockSecrets(ctx context.Context, passphrase []byte, useKeychain bool) (note string, err error) {
	u := store.Unlock{Passphrase: passphrase}
	if useKeychain {
		u.Keychain = store.SystemKeychain{}
	}
	method, err := a.db.UnlockSecrets(u)
	var kerr *store.KeychainError
	if errors.As(err, &kerr) {
		return kerr.Error() + ".", nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Saved passwords are protected by the %s.", map[store.SealMethod]string{
		store.SealKeychain: "OS keychain", store.SealPassphrase: "passphrase",
	}[method]), nil
}
