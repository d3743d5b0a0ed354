package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"mailshift/app"
)

var errFlagHelp = flag.ErrHelp

func projectCommand() Command {
	return Command{
		Name:    "project",
		Summary: "create, list and show migration projects (new|list|show)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
				fmt.Fprintln(env.Stderr, "usage: mailshift project new|list|show ...\n  new NAME --domain D --source URL [--dest URL] [--profile P] [--cutover DATE]\n  list\n  show PROJECT")
				if len(args) == 0 {
					return usageError("say new, list or show")
				}
				return errHelpShown
			}
			switch args[0] {
			case "new":
				return projectNew(ctx, env, args[1:])
			case "list":
				return projectList(ctx, env, args[1:])
			case "show":
				return projectShow(ctx, env, args[1:])
			}
			return usageError("unknown verb %q: say new, list or show", args[0])
		},
	}
}

func projectNew(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "project new", "project new NAME --domain DOMAIN --source URL [--dest URL] [--profile generic|m365|gmail] [--cutover 2026-12-05T18:00]")
	domain := fs.String("domain", "", "the customer's email domain, e.g. example.com")
	src := fs.String("source", "", "old host, e.g. imaps://mail.oldhost.com:993 or imap+starttls://host")
	dst := fs.String("dest", "", "new host, e.g. imaps://outlook.office365.com")
	srcPlain := fs.Bool("source-allow-plaintext", false, "allow imap:// (unencrypted) for the old host")
	profile := fs.String("profile", "generic", "destination profile: "+strings.Join(app.Profiles, ", "))
	cutover := fs.String("cutover", "", "planned cutover, local time: 2006-01-02 or 2006-01-02T15:04")
	actor := fs.String("by", env.Getenv("USER"), "your name, for the audit log")
	name, rest := splitPositional(args)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = strings.Join(fs.Args(), " ")
	}
	if name == "" {
		return usageError("give the project a name: mailshift project new \"Acme Dental\" ...")
	}
	np := app.NewProject{Name: name, Domain: *domain, Profile: *profile, Actor: *actor}
	var err error
	if np.Source, err = app.ParseServer(*src, *srcPlain); err != nil {
		return usageError("--source: %v", err)
	}
	if np.Destination, err = app.ParseServer(*dst, false); err != nil {
		return usageError("--dest: %v", err)
	}
	if *cutover != "" {
		if np.CutoverAt, err = app.ParseWhen(*cutover); err != nil {
			return usageError("--cutover: %v", err)
		}
	}
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.CreateProject(ctx, np)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created project %s (%s)\n", p.ID, p.Name)
	return nil
}

// splitPositional takes a leading non-flag argument (the name) off args.
func splitPositional(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func projectList(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "project list", "project list")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	ps, err := a.Projects(ctx)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		fmt.Fprintln(env.Stdout, "no projects yet: mailshift project new NAME --domain D --source URL")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDOMAIN\tCUTOVER\tPROGRESS")
	for _, p := range ps {
		steps, err := a.Checklist(ctx, p.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Domain, fmtDate(p.CutoverAt), progress(steps))
	}
	return tw.Flush()
}

func progress(steps []app.Step) string {
	done, blocked := 0, 0
	for _, s := range steps {
		switch s.Status {
		case app.StatusDone:
			done++
		case app.StatusBlocked:
			blocked++
		}
	}
	out := fmt.Sprintf("%d/%d steps done", done, len(steps))
	if blocked > 0 {
		out += fmt.Sprintf(", %d blocked", blocked)
	}
	return out
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func projectShow(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "project show", "project show PROJECT")
	id, rest := splitPositional(args)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usageError("name the project: mailshift project show PROJECT (see project list)")
	}
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.Project(ctx, id)
	if err != nil {
		return err
	}
	mbs, err := a.Mailboxes(ctx, id)
	if err != nil {
		return err
	}
	steps, err := a.Checklist(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Project:     %s (%s)\nDomain:      %s\nOld host:    %s\nNew host:    %s (profile %s)\nCutover:     %s\nMailboxes:   %d\nChecklist:   %s\n",
		p.Name, p.ID, p.Domain, orDash(app.ServerURL(p.Source)), orDash(app.ServerURL(p.Destination)), p.Profile,
		fmtDate(p.CutoverAt), len(mbs), progress(steps))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
