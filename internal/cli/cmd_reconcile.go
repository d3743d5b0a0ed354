package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"mailshift/app"
	"mailshift/store"
	"mailshift/sync"
)

func reconcileCommand() Command {
	return Command{
		Name:    "reconcile",
		Summary: "compare source, local copy and destination per folder; exit 1 unless every message is there",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, "reconcile", "reconcile --dest DST --dest-user V --project P [--mailbox M] [--source SRC --source-user U] [--sample N|all] [--json]\n"+
				"Reads the destination fresh (and the source, when given; else its last inventory),\n"+
				"matches every stored message, compares a sample byte for byte and every date, and\n"+
				"explains each difference. The verdict \"all N messages are on the destination\"\n"+
				"appears only when none is missing; otherwise the exit status is 1. The result is\n"+
				"kept in the project for the migration report. Nothing is changed anywhere.")
			var src, dst sideFlags
			src.register(fs, "source")
			dst.register(fs, "dest")
			project := fs.String("project", "", "project the mailbox was pulled into")
			mailbox := fs.String("mailbox", "", "mailbox in the local store (default: --source-user, else --dest-user)")
			sample := fs.String("sample", "5", "messages per folder compared byte for byte, or all")
			timeout := fs.Duration("timeout", 30*time.Second, "limit for connecting and for each command")
			asJSON := fs.Bool("json", false, "print the reconciliation as JSON")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			n := -1
			if *sample != "all" {
				v, err := strconv.Atoi(*sample)
				if err != nil || v < 1 {
					return usageError("--sample is a number of messages (at least 1) or all")
				}
				n = v
			}
			dep, err := dst.endpoint(env, *timeout)
			if err != nil {
				return err
			}
			var sep sync.Endpoint
			if src.url != "" || src.user != "" {
				if sep, err = src.endpoint(env, *timeout); err != nil {
					return err
				}
			}
			a, err := openApp(ctx, env)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := requireProject(a.Store(), *project); err != nil {
				return err
			}
			var box store.BoxKey
			switch {
			case *mailbox != "":
				box = mailboxKey(a.Store(), *project, *mailbox, sourceLogin)
			case sep.Username != "":
				box = mailboxKey(a.Store(), *project, sep.Username, sourceLogin)
			default:
				box = mailboxKey(a.Store(), *project, dep.Username, destLogin)
			}
			rec, err := sync.Reconcile(ctx, a.Store(), []sync.ReconcileMailbox{{Box: box, Source: sep, Dest: dep}}, sync.ReconcileOptions{Sample: n})
			if err != nil {
				return fmt.Errorf("reconciliation interrupted: %w", err)
			}
			if err := app.KeepReconciliation(a.Store(), *project, rec); err != nil {
				return err
			}
			if *asJSON {
				raw, _ := json.MarshalIndent(rec, "", "  ")
				fmt.Fprintln(env.Stdout, string(raw))
			} else {
				printReconciliation(env, rec)
			}
			if !rec.OK() {
				return ErrExitStatus
			}
			return nil
		},
	}
}

func printReconciliation(env *Env, rec sync.Reconciliation) {
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MAILBOX\tFOLDER\tDESTINATION\tSOURCE\tLOCAL\tDEST\tMATCHED\tMISSING\tSKIPPED\tEXTRA\tDIFFER\tSAMPLED")
	for _, m := range rec.Mailboxes {
		for _, f := range m.Folders {
			src := strconv.Itoa(f.SourceMessages)
			if !f.SourceFresh {
				src += "*"
			}
			dest := f.Dest
			if dest == "" {
				dest = "(excluded)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", m.Mailbox, f.Source, dest, src, f.Local, f.DestMessages,
				f.Matched, len(f.Missing), len(f.Skipped), len(f.Extra), len(f.Mismatched), f.Sampled)
		}
	}
	tw.Flush()
	for _, m := range rec.Mailboxes {
		if m.Err != "" {
			fmt.Fprintf(env.Stdout, "  %s: could not be compared: %s\n", m.Mailbox, m.Err)
		}
		for _, f := range m.Folders {
			for _, group := range []struct {
				what   string
				issues []sync.Issue
			}{{"missing", f.Missing}, {"differs", f.Mismatched}, {"skipped", f.Skipped}, {"extra", f.Extra}, {"flags", f.FlagsDiffer}} {
				for _, i := range group.issues {
					fmt.Fprintf(env.Stdout, "  %s %s: %s uid %d/%d %s: %s\n", m.Mailbox, f.Source, group.what, i.SourceUID, i.DestUID, i.Code, i.Text)
				}
			}
		}
	}
	fmt.Fprintln(env.Stdout, "(* = source count from the last inventory, not read now)")
	fmt.Fprintln(env.Stdout, rec.Verdict())
}
