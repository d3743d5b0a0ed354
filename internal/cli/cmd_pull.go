package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"mailshift/sync"
)

func inventoryCommand() Command {
	return Command{
		Name:    "inventory",
		Summary: "count every folder of a mailbox on an IMAP server (messages, sizes, UIDs)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, "inventory", "inventory SERVER --user NAME [--project P] [--json]\n"+serverURLHelp+
				"\nWith --project the inventory is kept in that project's history.")
			var sf serverFlags
			sf.register(fs)
			project := fs.String("project", "", "keep the inventory in this project")
			asJSON := fs.Bool("json", false, "print JSON")
			url, err := parseWithServer(fs, args)
			if err != nil {
				return err
			}
			ep, err := sf.endpoint(env, url)
			if err != nil {
				return err
			}
			c, err := sync.Dial(ctx, ep)
			if err != nil {
				return withPinHint(err)
			}
			info, err := c.Inventory(ctx)
			c.Close()
			if err != nil {
				return err
			}
			raw, _ := json.MarshalIndent(info, "", "  ")
			if *project != "" {
				a, err := openApp(ctx, env)
				if err != nil {
					return err
				}
				defer a.Close()
				if err := a.Store().AddSnapshot(*project, sync.SnapshotSourceInventory+mailboxKey(a.Store(), *project, ep.Username, sourceLogin).MailboxID, time.Now().UTC(), raw); err != nil {
					return fmt.Errorf("keep the inventory in project %s: %w", *project, err)
				}
			}
			if *asJSON {
				fmt.Fprintln(env.Stdout, string(raw))
				return nil
			}
			printInventory(env, info)
			return nil
		},
	}
}

func printInventory(env *Env, info sync.ServerInfo) {
	fmt.Fprintf(env.Stdout, "server %s  separator %q  prefix %q  CONDSTORE %v  APPENDLIMIT %d\n", info.Server, info.Separator, info.Prefix, info.CondStore, info.AppendLimit)
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FOLDER\tROLE\tMESSAGES\tBYTES\tLARGEST\tUIDVALIDITY\tUIDNEXT\tHIGHESTMODSEQ")
	for _, f := range info.Folders {
		if f.NoSelect {
			fmt.Fprintf(tw, "%s\t%s\t(not selectable)\t\t\t\t\t\n", f.Name, f.SpecialUse)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", f.Name, f.SpecialUse, f.Messages, f.Bytes, f.Largest, f.UIDValidity, f.UIDNext, f.HighestModSeq)
	}
	tw.Flush()
	n, b := info.Totals()
	fmt.Fprintf(env.Stdout, "total: %d message(s), %.1f MB in %d folder(s)\n", n, float64(b)/1e6, len(info.Folders))
}

func pullCommand() Command {
	return Command{
		Name:    "pull",
		Summary: "copy a mailbox from an IMAP server into the local store (resumable; again = delta)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, "pull", "pull SERVER --user NAME [--connections N] [--project P]\n"+serverURLHelp+
				"\nThe source is only read. Interrupt it at any time: the next pull resumes, and\n"+
				"a pull after a finished one copies only what is new.")
			var sf serverFlags
			sf.register(fs)
			conns := fs.Int("connections", 4, "connections open at once to the server")
			project := fs.String("project", directProject, "store namespace (project) of this mailbox")
			quiet := fs.Bool("quiet", false, "no progress lines, only the final report")
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
			meter := sync.NewMeter()
			paintCtx, stopPaint := context.WithCancel(ctx)
			painted := make(chan struct{})
			go func() {
				defer close(painted)
				meter.Publish(paintCtx, time.Second, func(s sync.Snapshot) {
					if !*quiet && !s.Final && !saidStarting(env, s, s) {
						fmt.Fprintf(env.Stderr, "%d/%d messages, %.1f MB, %.0f msg/s %s\n", s.Stored, s.Planned, float64(s.Bytes)/1e6, s.MessagesPerSec, s.Waiting)
					}
				})
			}()
			rep, err := sync.Pull(ctx, a.Store(), []sync.PullMailbox{{Box: mailboxKey(a.Store(), *project, ep.Username, sourceLogin), Endpoint: ep}},
				sync.PullOptions{MaxConnections: *conns, Progress: meter})
			stopPaint()
			<-painted
			fmt.Fprintln(env.Stdout, rep.Summary())
			if err != nil {
				return fmt.Errorf("pull interrupted (%v): run it again to resume", err)
			}
			if rep.Exceptions() {
				return ErrExitStatus
			}
			return nil
		},
	}
}

func verifyCommand() Command {
	return Command{
		Name:    "verify",
		Summary: "check the local copy: every stored message's hash, the index, counts per folder",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, "verify", "verify --offline [--project P]\n"+
				"Needs no network: recomputes every stored message's SHA-256 and compares each\n"+
				"folder with the source inventory taken at pull time. Exit 1 unless all verified.")
			offline := fs.Bool("offline", false, "verify the local copy only (no network)")
			project := fs.String("project", directProject, "project whose copy to verify (default: pulls given by URL)")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if !*offline {
				return usageError("only offline verification is available: add --offline")
			}
			a, err := openApp(ctx, env)
			if err != nil {
				return err
			}
			defer a.Close()
			v, err := sync.VerifyOffline(ctx, a.Store(), *project, nil)
			if err != nil {
				return err
			}
			printVerification(env, v)
			if !v.OK() {
				return ErrExitStatus
			}
			return nil
		},
	}
}

func printVerification(env *Env, v sync.Verification) {
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MAILBOX\tFOLDER\tON SOURCE AT PULL\tSTORED\tVANISHED\tPROBLEMS")
	// A problem of a whole mailbox (never listed, never copied) has no
	// folder.
	folder := func(f sync.FolderCheck) string {
		if f.Folder == "" {
			return "(all folders)"
		}
		return f.Folder
	}
	for _, f := range v.Folders {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", f.Mailbox, folder(f), f.SourceAtPull, f.Stored, f.Vanished, len(f.Problems))
	}
	tw.Flush()
	for _, f := range v.Folders {
		for _, p := range f.Problems {
			fmt.Fprintf(env.Stdout, "  %s %s: %s\n", f.Mailbox, folder(f), p)
		}
	}
	for _, p := range v.Store.Problems {
		fmt.Fprintf(env.Stdout, "  stored message %s %s: %s\n", p.Hash, p.Where, p.What)
	}
	// Blobs are distinct messages: a copy in another folder or mailbox is
	// stored once, so they may be fewer than the messages counted.
	fmt.Fprintf(env.Stdout, "%d distinct stored message(s) re-hashed, %.1f MB\n", v.Store.Blobs, float64(v.Store.Bytes)/1e6)
	if v.Store.Unreferenced > 0 {
		fmt.Fprintf(env.Stdout, "%.1f MB of the message files belong to no message (left by an interrupted pull, or a copy fetched on two connections at once; no message is missing for it): the next pull gives back what lies at the files' ends\n",
			float64(v.Store.Unreferenced)/1e6)
	}
	fmt.Fprintln(env.Stdout, v.Verdict())
}
