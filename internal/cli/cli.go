package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"mailshift/app"
)

// ErrUsage marks an error caused by how the command was called; Run prints
// the command's usage after it and exits 2.
var ErrUsage = errors.New("usage")

// usageError wraps a message as a usage error.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// Global holds the options that come before the command.
type Global struct {
	DataDir string
	Demo    bool
	// Screen is the screen the GUI opens on (with --demo: in the demo
	// project); empty means the usual start. The GUI checks the name.
	Screen  string
	Help    bool
	Version bool
}

// ParseGlobal splits `mailshift [--data DIR] [--demo] [--screen NAME] [--help] [--version]
// [COMMAND ARGS...]`. No command means: open the GUI.
func ParseGlobal(args []string) (Global, []string, error) {
	var g Global
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--data" || a == "-data":
			if i+1 >= len(args) {
				return g, nil, usageError("--data needs a folder")
			}
			g.DataDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--data="):
			g.DataDir = strings.TrimPrefix(a, "--data=")
		case a == "--demo":
			g.Demo = true
		case a == "--screen":
			if i+1 >= len(args) {
				return g, nil, usageError("--screen needs a screen name, e.g. --screen plan")
			}
			g.Screen = args[i+1]
			i++
		case strings.HasPrefix(a, "--screen="):
			g.Screen = strings.TrimPrefix(a, "--screen=")
		case a == "--help" || a == "-h" || a == "help":
			g.Help = true
		case a == "--version" || a == "version":
			g.Version = true
		case strings.HasPrefix(a, "-"):
			return g, nil, usageError("unknown option %s (see mailshift --help)", a)
		default:
			return g, args[i:], nil
		}
	}
	return g, nil, nil
}

// Commands is the table of subcommands.
func Commands() []Command {
	cmds := []Command{
		projectCommand(),
		mailboxesCommand(),
		checklistCommand(),
	}
	cmds = append(cmds, extraCommands()...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return cmds
}

// Run executes one command line (after ParseGlobal) and returns the exit
// status: 0 success, 1 failure, 2 bad usage.
func Run(ctx context.Context, env *Env, g Global, args []string) int {
	if g.DataDir != "" {
		env.DataDir = g.DataDir
	}
	if g.Version {
		fmt.Fprintf(env.Stdout, "mailshift %s\n", env.Version)
		return 0
	}
	if len(args) == 0 {
		printHelp(env.Stdout)
		return 0
	}
	for _, c := range Commands() {
		if c.Name != args[0] {
			continue
		}
		err := c.Run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errHelpShown):
			return 0
		case errors.Is(err, ErrUsage):
			fmt.Fprintf(env.Stderr, "mailshift %s: %s\n", c.Name, strings.TrimPrefix(err.Error(), "usage: "))
			fmt.Fprintf(env.Stderr, "run `mailshift %s --help` for how to call it\n", c.Name)
			return 2
		case errors.Is(err, ErrExitStatus):
			return 1
		default:
			fmt.Fprintf(env.Stderr, "mailshift %s: %v\n", c.Name, err)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "mailshift: unknown command %q; `mailshift --help` lists the commands\n", args[0])
	return 2
}

// ErrExitStatus makes Run exit 1 without printing anything more: the command
// has already said what went wrong (e.g. a verdict with discrepancies).
var ErrExitStatus = errors.New("exit status 1")

var errHelpShown = errors.New("help shown")

func printHelp(w io.Writer) {
	fmt.Fprint(w, `Mailshift moves a business's email from an old IMAP host to a new one.

usage: mailshift [--data DIR] [--demo]            open the app (the demo project with --demo)
       mailshift --demo --screen NAME             open the demo project on one screen
                                                  (--screen help lists the names)
       mailshift [--data DIR] COMMAND [ARGS...]   run a command headless
       mailshift --version

commands:
`)
	for _, c := range Commands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.Name, c.Summary)
	}
	fmt.Fprint(w, `
--data DIR selects the data folder (default: your settings folder/Mailshift).
Passwords are read from files or the environment, never from arguments.
Saved passwords are sealed with the OS keychain, or with the passphrase in
MAILSHIFT_PASSPHRASE (or --passphrase-file) when no keychain is available.
Run 'mailshift COMMAND --help' for a command's flags.
`)
}

// openApp opens the data folder for a command.
func openApp(ctx context.Context, env *Env) (*app.App, error) {
	dir := env.DataDir
	if dir == "" {
		d, err := app.DefaultDataDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return app.Open(ctx, dir, app.Options{})
}

// parseFlags parses fs and turns -h/--help into errHelpShown.
func parseFlags(fs interface{ Parse([]string) error }, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, errFlagHelp) {
		return errHelpShown
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return nil
}
