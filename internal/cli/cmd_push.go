package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"mailshift/app"
	"mailshift/store"
	"mailshift/sync"
)

// sideFlags are one server's login flags when a command talks to both
// servers (delta, reconcile): --source-user, --source-password-file, ...
// The password comes from the file or $MAILSHIFT_<SIDE>_PASSWORD.
type sideFlags struct {
	side, url, user, passwordFile, pin string
	allowPlaintext                     bool
}

func (f *sideFlags) register(fs *flag.FlagSet, side string) {
	f.side = side
	fs.StringVar(&f.url, side, "", side+" server: imaps://host[:993], imap+starttls://host or imap://host")
	fs.StringVar(&f.user, side+"-user", "", "login name on the "+side+" server")
	fs.StringVar(&f.passwordFile, side+"-password-file", "", "file holding the "+side+" password (else $MAILSHIFT_"+strings.ToUpper(side)+"_PASSWORD)")
	fs.StringVar(&f.pin, side+"-pin", "", "SHA-256 fingerprint of the "+side+" server's self-signed certificate")
	fs.BoolVar(&f.allowPlaintext, side+"-allow-plaintext", false, "allow imap:// for the "+side+" server")
}

func (f *sideFlags) endpoint(env *Env, timeout time.Duration) (sync.Endpoint, error) {
	if f.url == "" || f.user == "" {
		return sync.Endpoint{}, usageError("give --%s SERVER and --%s-user NAME", f.side, f.side)
	}
	srv, err := app.ParseServer(f.url, f.allowPlaintext)
	if err != nil {
		return sync.Endpoint{}, usageError("--%s: %v", f.side, err)
	}
	srv.PinSHA256 = f.pin
	var pw []byte
	envVar := "MAILSHIFT_" + strings.ToUpper(f.side) + "_PASSWORD"
	switch {
	case f.passwordFile != "":
		if pw, err = readSecretFile(f.passwordFile); err != nil {
			return sync.Endpoint{}, err
		}
	case env.Getenv(envVar) != "":
		pw = []byte(env.Getenv(envVar))
	default:
		return sync.Endpoint{}, usageError("give --%s-password-file FILE or set %s", f.side, envVar)
	}
	return sync.Endpoint{Server: srv, Username: f.user, Password: pw, DialTimeout: timeout, CommandTimeout: timeout}, nil
}

// requireProject fails clearly when the push's project does not exist: the
// mapping and the journal live in it.
func requireProject(db *store.DB, id string) error {
	if id == "" {
		return usageError("give --project (the project the mailbox was pulled into)")
	}
	if _, err := db.Project(id); err != nil {
		return fmt.Errorf("%w (create it with mailshift project new, and pull with --project %s)", err, id)
	}
	return nil
}

func pushCommand() Command {
	return Command{
		Name:    "push",
		Summary: "copy a pulled mailbox to the destination server, exactly once (again = only what is new)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, "push", "push DESTINATION --user NAME --project P [--mailbox M] [--connections N] [--max-message-mb N]\n"+
				strings.ReplaceAll(serverURLHelp, "SERVER", "DESTINATION")+
				"\nSends the messages pulled into project P for mailbox M (default: the --user name)\n"+
				"to the destination, into the folders `mapping show` lists. Interrupt it at any\n"+
				"time: the next push finds what arrived and sends the rest. Exit 1 when anything\n"+
				"was not copied (over the size limit, refused, quota); the report lists why.")
			var sf serverFlags
			sf.register(fs)
			project := fs.String("project", "", "project the mailbox was pulled into")
			mailbox := fs.String("mailbox", "", "the project's mailbox: address or source login (default: the one whose destination login is --user)")
			conns := fs.Int("connections", 4, "connections open at once to the destination, upload sessions included (half of them upload where the server offers MULTIAPPEND or LITERAL+; with 1, the one connection does both)")
			maxMB := fs.Int64("max-message-mb", 0, "your own message size limit in MB (the server's and the profile's apply too)")
			quiet := fs.Bool("quiet", false, "no progress lines, only the report")
			asJSON := fs.Bool("json", false, "print the report as JSON")
			plain := fs.Bool("plain-append", false, "one APPEND per message, never MULTIAPPEND or LITERAL+ (for a server that mishandles them)")
			url, err := parseWithServer(fs, args)
			if err != nil {
				return err
			}
			ep, err := sf.endpoint(env, url)
			if err != nil {
				return err
			}
			a, err := openApp(ctx, env)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := requireProject(a.Store(), *project); err != nil {
				return err
			}
			box := mailboxKey(a.Store(), *project, ep.Username, destLogin)
			if *mailbox != "" {
				box = mailboxKey(a.Store(), *project, *mailbox, sourceLogin)
			}
			rep, err := runPush(ctx, env, a.Store(), []sync.PushMailbox{{Box: box, Endpoint: ep}},
				sync.PushOptions{MaxConnections: *conns, MaxMessageBytes: *maxMB << 20, PlainAppend: *plain}, *quiet)
			return reportPush(env, rep, err, *asJSON)
		},
	}
}

// runPush runs the engine with progress lines on stderr about once a second.
func runPush(ctx context.Context, env *Env, db *store.DB, mbs []sync.PushMailbox, opts sync.PushOptions, quiet bool) (sync.PushReport, error) {
	meter := sync.NewMeter()
	paintCtx, stopPaint := context.WithCancel(ctx)
	painted := make(chan struct{})
	go func() {
		defer close(painted)
		meter.Publish(paintCtx, time.Second, func(s sync.Snapshot) {
			if !quiet && !s.Final && !saidStarting(env, s, s) {
				fmt.Fprintf(env.Stderr, "%d/%d messages sent, %.1f MB, %.0f msg/s %s\n", s.Stored, s.Planned, float64(s.Bytes)/1e6, s.MessagesPerSec, s.Waiting)
			}
		})
	}()
	opts.Progress = meter
	rep, err := sync.Push(ctx, db, mbs, opts)
	stopPaint()
	<-painted
	return rep, err
}

func reportPush(env *Env, rep sync.PushReport, err error, asJSON bool) error {
	if asJSON {
		raw, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(env.Stdout, string(raw))
	} else {
		printPush(env, rep)
	}
	if err != nil {
		return fmt.Errorf("push interrupted (%v): run it again to resume", err)
	}
	if rep.Exceptions() {
		return ErrExitStatus
	}
	return nil
}

func printPush(env *Env, rep sync.PushReport) {
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MAILBOX\tFOLDER\tDESTINATION\tMESSAGES\tSENT\tFOUND THERE\tEARLIER\tTOO BIG\tREFUSED\tNOT CONFIRMED")
	for _, m := range rep.Mailboxes {
		for _, f := range m.Folders {
			dest := f.Dest
			if f.Excluded {
				dest = "(excluded)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", m.Mailbox, f.Source, dest, f.Wanted, f.Uploaded, f.Found, f.Already, f.TooBig, f.Failed, f.Unknown+f.NotPushed)
		}
	}
	tw.Flush()
	for _, m := range rep.Mailboxes {
		for _, f := range m.Folders {
			for _, p := range f.Problems {
				fmt.Fprintf(env.Stdout, "  %s %s uid %d (%d bytes): %s %s\n", m.Mailbox, f.Source, p.SourceUID, p.Size, p.Code, p.Text)
			}
			if f.Err != "" {
				fmt.Fprintf(env.Stdout, "  %s %s: %s\n", m.Mailbox, f.Source, f.Err)
			}
		}
	}
	fmt.Fprintln(env.Stdout, rep.Summary())
}

func deltaCommand() Command {
	return copyingCommand("delta", "final delta: pull what is new on the source and push it to the destination, together",
		"Pulls only what arrived (and flag changes) since the last pull and pushes only\n"+
			"what the destination lacks, while the pull goes on.")
}

func copyCommand() Command {
	return copyingCommand("copy", "copy a mailbox from the source to the destination: pull and push together, exactly once",
		"Pulls the mailbox into project P and pushes what is pulled to the destination\n"+
			"while the pull goes on, so the two servers work at once. Run it again (or\n"+
			"delta) for what arrived since: only that is copied.")
}

// copyingCommand is copy and delta: one pull and one push at once
// (sync.Copy), with the same guarantees as pull then push.
func copyingCommand(name, summary, about string) Command {
	return Command{
		Name:    name,
		Summary: summary,
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, name, name+" --source SRC --source-user U --dest DST --dest-user V --project P [--connections N]\n"+about+"\n"+
				"Interrupt it at any time: the next run resumes both. Passwords: --source-password-file /\n"+
				"--dest-password-file or MAILSHIFT_SOURCE_PASSWORD / MAILSHIFT_DEST_PASSWORD. Exit 1 unless\n"+
				"both are clean.")
			var src, dst sideFlags
			src.register(fs, "source")
			dst.register(fs, "dest")
			project := fs.String("project", "", "project to copy the mailbox into")
			conns := fs.Int("connections", 4, "connections open at once to each server")
			timeout := fs.Duration("timeout", 30*time.Second, "limit for connecting and for each command")
			quiet := fs.Bool("quiet", false, "no progress lines")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			sep, err := src.endpoint(env, *timeout)
			if err != nil {
				return err
			}
			dep, err := dst.endpoint(env, *timeout)
			if err != nil {
				return err
			}
			a, err := openApp(ctx, env)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := requireProject(a.Store(), *project); err != nil {
				return err
			}
			box := mailboxKey(a.Store(), *project, sep.Username, sourceLogin)
			prep, rep, err := runCopy(ctx, env, a.Store(), []sync.CopyMailbox{{Box: box, Source: sep, Dest: dep}}, *conns, *quiet)
			fmt.Fprintln(env.Stdout, "pull: "+prep.Summary())
			if err != nil {
				printPush(env, rep)
				return fmt.Errorf("%s interrupted (%v): run it again to resume", name, err)
			}
			perr := reportPush(env, rep, nil, false)
			if perr == nil && prep.Exceptions() {
				return ErrExitStatus
			}
			return perr
		},
	}
}

// saidStarting writes the progress line of a run that has not yet found
// any work (logging in, reading the folders: "0/0 messages" told a person
// nothing) and reports whether it did. first is the run's first stage (a
// copy's pull), s the one whose waits are shown too.
func saidStarting(env *Env, first, s sync.Snapshot) bool {
	if first.Planned > 0 || first.Stored > 0 || first.Folder != "" || s.Planned > 0 || s.Stored > 0 {
		return false
	}
	waits := first.Waiting
	if s.Waiting != first.Waiting {
		waits += " " + s.Waiting
	}
	fmt.Fprintln(env.Stderr, strings.TrimSpace(fmt.Sprintf("logging in and reading the folders (%s) %s", s.Elapsed.Round(time.Second), waits)))
	return true
}

// runCopy runs sync.Copy with one progress line on stderr about once a
// second: what the pull stored and what the push sent.
func runCopy(ctx context.Context, env *Env, db *store.DB, mbs []sync.CopyMailbox, conns int, quiet bool) (sync.Report, sync.PushReport, error) {
	pulled, pushed := sync.NewMeter(), sync.NewMeter()
	paintCtx, stopPaint := context.WithCancel(ctx)
	painted := make(chan struct{})
	go func() {
		defer close(painted)
		pushed.Publish(paintCtx, time.Second, func(s sync.Snapshot) {
			if p := pulled.Snapshot(); !quiet && !s.Final && !saidStarting(env, p, s) {
				fmt.Fprintf(env.Stderr, "pulled %d/%d, sent %d/%d messages, %.1f MB sent, %.0f msg/s %s%s\n",
					p.Stored, max(p.Planned, p.Stored), s.Stored, s.Planned, float64(s.Bytes)/1e6, s.MessagesPerSec, p.Waiting, s.Waiting)
			}
		})
	}()
	prep, rep, err := sync.Copy(ctx, db, mbs, sync.PullOptions{MaxConnections: conns, Progress: pulled}, sync.PushOptions{MaxConnections: conns, Progress: pushed})
	stopPaint()
	<-painted
	return prep, rep, err
}
