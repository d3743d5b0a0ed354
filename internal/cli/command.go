// Package cli is Mailshift's headless command line: every command runs on
// the same app/ core as the GUI, never prompts when standard input is not a
// terminal, and reports bad input with a message that says what to do and a
// non-zero exit status.
package cli

import (
	"context"
	"flag"
	"io"
)

// Command is one top-level subcommand (`mailshift NAME ...`). Commands with
// sub-verbs (`project new|list|show`) dispatch on args themselves.
type Command struct {
	Name    string // as typed: "dns"
	Summary string // one line for `mailshift --help`
	// Run executes the command. args excludes the command name. A returned
	// error is printed as "mailshift NAME: <err>" and exits 1; return
	// ErrUsage (or wrap it) to also print the command's usage and exit 2.
	Run func(ctx context.Context, env *Env, args []string) error
}

// Env is what a command may touch: its streams, the data folder and the
// store opener. Tests build one with buffers and a temp data folder.
type Env struct {
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	DataDir  string // --data, or the user's default data folder
	Getenv   func(string) string
	Terminal bool   // stdin is an interactive terminal (only then may a command prompt)
	Version  string // the app version (from FyneApp.toml)
}

// NewFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to env.Stderr, so `mailshift CMD --help` lists the flags.
func NewFlagSet(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		io.WriteString(env.Stderr, "usage: mailshift "+usage+"\n")
		if hasFlags(fs) {
			io.WriteString(env.Stderr, "flags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}
