package cli

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
)

func mailboxesCommand() Command {
	return Command{
		Name:    "mailboxes",
		Summary: "import a mailbox list from CSV, or list a project's mailboxes (import|list)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			verb, rest := splitPositional(args)
			switch verb {
			case "import":
				return mailboxesImport(ctx, env, rest)
			case "list":
				return mailboxesList(ctx, env, rest)
			}
			fmt.Fprintln(env.Stderr, "usage: mailshift mailboxes import FILE.csv --project P | list --project P")
			if verb == "" {
				if len(rest) > 0 && (rest[0] == "--help" || rest[0] == "-h") {
					return errHelpShown
				}
				return usageError("say import or list")
			}
			return usageError("unknown verb %q", verb)
		},
	}
}

func mailboxesImport(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "mailboxes import", "mailboxes import FILE.csv --project P [--passphrase-file F]\n"+
		"The CSV is Microsoft 365's migration format: EmailAddress,UserName,Password\n"+
		"(optional columns: DestinationUserName,DestinationPassword). All rows or none are imported.")
	project := fs.String("project", "", "project ID (see project list)")
	passFile := fs.String("passphrase-file", "", "file holding the passphrase that protects saved passwords")
	by := fs.String("by", env.Getenv("USER"), "your name, for the audit log")
	file, rest := splitPositional(args)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" || *project == "" {
		return usageError("give the CSV file and --project")
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open the CSV file: %w", err)
	}
	defer f.Close()
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := unlockSecrets(ctx, env, a, *passFile); err != nil {
		return err
	}
	n, err := a.ImportMailboxesCSV(ctx, *project, *by, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %d mailbox(es) into %s\n", n, *project)
	return nil
}

func mailboxesList(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "mailboxes list", "mailboxes list --project P")
	project := fs.String("project", "", "project ID")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *project == "" {
		return usageError("give --project")
	}
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	mbs, err := a.Mailboxes(ctx, *project)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tSOURCE LOGIN\tDESTINATION LOGIN\tSTATUS")
	for _, m := range mbs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Email, m.SourceLogin, orDash(m.DestLogin), m.Status)
	}
	return tw.Flush()
}
