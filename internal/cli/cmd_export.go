package cli

import (
	"context"
	"fmt"
	"time"

	"mailshift/export"
	"mailshift/export/eml"
)

// exportCommand is `mailshift export`: one mailbox of a project, from the
// local store, to PST, mbox or eml files in --out (written as *.partial and
// renamed when complete), with a manifest. --from-dir exports a folder tree
// of .eml files instead (an earlier eml export, for example).
func exportCommand() Command {
	return Command{
		Name:    "export",
		Summary: "export a mailbox from the local store to .pst, .mbox or .eml files",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, "export", "export --format pst|mbox|eml --out DIR (--project P --mailbox M | --from-dir DIR)\n"+
				"Writes <name>.pst (split at --max-size into <name>-002.pst …) or a folder <name>/ of .mbox or .eml\n"+
				"files, plus a manifest with the SHA-256 of every message. Output is written as *.partial and\n"+
				"renamed only when complete.")
			format := fs.String("format", "", "pst, mbox or eml")
			out := fs.String("out", "", "output folder (created if missing)")
			project := fs.String("project", "", "project of the mailbox")
			mailbox := fs.String("mailbox", "", "mailbox to export")
			fromDir := fs.String("from-dir", "", "export this folder tree of .eml files instead of a mailbox of the store")
			name := fs.String("name", "", "base name of the output (default: the mailbox, or the folder's name)")
			maxSize := fs.Int64("max-size", 0, "PST split size in bytes (default 20 GB)")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usageError("unexpected argument %q", fs.Arg(0))
			}
			f := export.Format(*format)
			if f != export.PST && f != export.MBOX && f != export.EML {
				return usageError("--format must be pst, mbox or eml (got %q)", *format)
			}
			if *out == "" {
				return usageError("--out DIR is required")
			}
			var src export.Source
			switch {
			case *fromDir != "" && (*project != "" || *mailbox != ""):
				return usageError("give either --from-dir or --project and --mailbox, not both")
			case *fromDir != "":
				src = export.DirSource{Root: *fromDir}
				if *name == "" {
					*name = baseName(*fromDir)
				}
			case *project == "" || *mailbox == "":
				return usageError("--project and --mailbox name the mailbox to export (or use --from-dir)")
			default:
				s, closeSrc, err := storeExportSource(ctx, env, *project, *mailbox)
				if err != nil {
					return err
				}
				defer closeSrc()
				src = s
				if *name == "" {
					*name = *mailbox
				}
			}
			prog := &exportProgress{env: env, every: time.Second}
			res, err := export.Run(ctx, src, export.Options{Format: f, OutDir: *out, Name: eml.SafeName(*name, 200), PSTMaxSize: *maxSize, Progress: prog})
			if err != nil {
				return fmt.Errorf("export: %w (partial output left as *.partial)", err)
			}
			fmt.Fprintf(env.Stdout, "exported %d messages (%d bytes) from %d folders\n", res.Messages, res.Bytes, len(res.Folders))
			for _, p := range res.Files {
				fmt.Fprintf(env.Stdout, "  %s\n", p)
			}
			fmt.Fprintf(env.Stdout, "manifest: %s\n", res.Manifest)
			for _, s := range res.Skipped {
				fmt.Fprintf(env.Stdout, "skipped in %s: %s\n", s.Folder, s.Reason)
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(env.Stdout, "warning: %s\n", w)
			}
			if len(res.Skipped) > 0 {
				return fmt.Errorf("%d messages could not be exported", len(res.Skipped))
			}
			return nil
		},
	}
}

// storeExportSource opens the local store's copy of one mailbox (by
// address or login) as an export.Source; the returned function closes it.
func storeExportSource(ctx context.Context, env *Env, project, mailbox string) (export.Source, func(), error) {
	a, err := openApp(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	key := mailboxKey(a.Store(), project, mailbox, sourceLogin)
	src, err := a.ExportSource(ctx, project, string(key.MailboxID))
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return src, func() { a.Close() }, nil
}

// exportProgress prints a progress line at most once per interval.
type exportProgress struct {
	env   *Env
	every time.Duration
	last  time.Time
	n     int
	bytes int64
}

func (p *exportProgress) Event(e export.Event) {
	switch e := e.(type) {
	case export.MessageExported:
		p.n++
		p.bytes += e.Bytes
		if time.Since(p.last) >= p.every {
			p.last = time.Now()
			fmt.Fprintf(p.env.Stderr, "%d messages, %.1f MB (%s)\n", p.n, float64(p.bytes)/1e6, e.Folder)
		}
	case export.MessageSkipped:
		fmt.Fprintf(p.env.Stderr, "skipped a message in %s: %s\n", e.Folder, e.Reason)
	}
}

func baseName(dir string) string {
	for len(dir) > 1 && (dir[len(dir)-1] == '/' || dir[len(dir)-1] == '\\') {
		dir = dir[:len(dir)-1]
	}
	for i := len(dir) - 1; i >= 0; i-- {
		if dir[i] == '/' || dir[i] == '\\' {
			return dir[i+1:]
		}
	}
	return dir
}
