// Mailshift: with no command it opens the desktop app; with a command it
// runs headless on the same core (see `mailshift --help`).
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/assets"
	"mailshift/internal/cli"
	_ "mailshift/internal/clocale" // before Fyne's init: no locale warning under LANG=C
	"mailshift/store"
	"mailshift/views"
)

//go:embed FyneApp.toml
var fyneAppTOML string

// version is the one version string, read from FyneApp.toml.
func version() string {
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindStringSubmatch(fyneAppTOML)
	if m == nil {
		return "unknown"
	}
	return m[1]
}

func main() {
	env := &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Terminal: isTerminal(os.Stdin), Version: version()}
	g, rest, err := cli.ParseGlobal(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "mailshift: %s\n", strings.TrimPrefix(err.Error(), "usage: "))
		os.Exit(2)
	}
	if len(rest) > 0 || g.Help || g.Version {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, env, g, rest)
		stop()
		os.Exit(code)
	}
	runGUI(g)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runGUI(g cli.Global) {
	if g.Screen == "help" { // the screen names, one per line (scripts read them)
		fmt.Println(strings.Join(views.ScreenIDs(), "\n"))
		return
	}
	if g.Screen != "" && (!g.Demo || !views.HasScreen(g.Screen)) {
		fmt.Fprintf(os.Stderr, "mailshift: --screen works with --demo and one of: %s\n", strings.Join(views.ScreenIDs(), ", "))
		os.Exit(2)
	}
	fa := fyneapp.NewWithID("io.mailshift.app")
	fa.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	w := fa.NewWindow("Mailshift")
	w.Resize(fyne.NewSize(1024, 700))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	dir := g.DataDir
	if dir == "" {
		d, err := app.DefaultDataDir()
		if err != nil {
			showFatal(w, err)
			return
		}
		dir = d
	}
	a, err := app.Open(ctx, dir, app.Options{})
	if err != nil {
		showFatal(w, err)
		return
	}
	defer a.Close()

	shell := views.NewShell(a, w)
	shell.Version = version()
	if st, err := a.Settings(ctx); err == nil {
		if st.Actor != "" {
			shell.Actor = st.Actor
		}
		shell.NoKeychain = st.NoKeychain
		if os.Getenv("FYNE_THEME") == "" { // an explicit FYNE_THEME (gui-smoke's dark shots) wins
			views.ApplyAppearance(st.Appearance)
		}
	}
	w.SetMainMenu(fyne.NewMainMenu(fyne.NewMenu("Help", fyne.NewMenuItem("About Mailshift", shell.ShowAbout))))
	startDemo := g.Demo
	if !startDemo {
		if ps, err := a.Projects(ctx); err == nil && (len(ps) == 0 || hasDemo(ps)) {
			startDemo = true // first start: show the demo; later starts keep it alive
		}
	}
	if startDemo {
		p, stopDemo, err := a.StartDemo(ctx)
		if err != nil {
			shell.SetStatus("The demo could not start: " + err.Error())
		} else {
			defer stopDemo()
			if g.Screen != "" {
				shell.Open(g.Screen, p.ID)
			} else if g.Demo || len(mustProjects(ctx, a)) == 1 {
				shell.Open("plan", p.ID)
			} else {
				shell.Open("projects", "")
			}
			shell.SetStatus("Demo: the old and new hosts are two IMAP servers inside this app, on this computer only.")
		}
	}
	if !shell.NoKeychain {
		go unlockSecrets(ctx, a, shell)
	}
	w.SetCloseIntercept(func() { shell.RequestClose(w.Close) })
	w.ShowAndRun()
}

func hasDemo(ps []store.Project) bool {
	for _, p := range ps {
		if p.Demo {
			return true
		}
	}
	return false
}

func mustProjects(ctx context.Context, a *app.App) []store.Project {
	ps, _ := a.Projects(ctx)
	return ps
}

// unlockSecrets tries the OS keychain in the background and says plainly
// what protects saved passwords.
func unlockSecrets(ctx context.Context, a *app.App, shell *views.Shell) {
	note, err := a.UnlockSecrets(ctx, nil, true)
	if err == nil && !strings.Contains(note, "not available") {
		return // the keychain works: nothing to say
	}
	if errors.Is(err, store.ErrPassphraseNeeded) {
		note = "The OS keychain is not available: Mailshift will ask for a passphrase to protect saved passwords."
	} else if err != nil {
		note = "Saved passwords are locked: " + err.Error()
	}
	if note != "" {
		fyne.Do(func() { shell.SetStatus(note) })
	}
}

// showFatal shows why the app cannot start, in a window, since a user who
// double-clicked it sees no terminal.
func showFatal(w fyne.Window, err error) {
	msg := widget.NewLabel("Mailshift cannot start:\n\n" + err.Error())
	msg.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewPadded(container.NewVBox(msg, widget.NewButton("Close", w.Close))))
	w.Resize(fyne.NewSize(560, 220))
	fmt.Fprintln(os.Stderr, "mailshift:", err)
	w.ShowAndRun()
}
