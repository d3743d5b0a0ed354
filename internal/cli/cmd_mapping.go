package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"mailshift/store"
	"mailshift/sync"
)

const mappingUsage = "usage: mailshift mapping show --project P [--mailbox M] [--json]\n" +
	"       mailshift mapping set --project P --mailbox M --folder SOURCE (--to DEST | --exclude | --auto)"

func mappingCommand() Command {
	return Command{
		Name:    "mapping",
		Summary: "preview or change where each source folder goes on the destination (show|set)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			verb, rest := splitPositional(args)
			switch verb {
			case "show":
				return mappingShow(ctx, env, rest)
			case "set":
				return mappingSet(ctx, env, rest)
			}
			fmt.Fprintln(env.Stderr, mappingUsage)
			if verb == "" {
				if len(rest) > 0 && (rest[0] == "--help" || rest[0] == "-h") {
					return errHelpShown
				}
				return usageError("say show or set")
			}
			return usageError("unknown verb %q", verb)
		},
	}
}

func mappingShow(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "mapping show", "mapping show --project P [--mailbox M] [--json]\n"+
		"Shows, per mailbox, where every source folder will go, and why a name changed.\n"+
		"The folders come from the newest inventory (mailshift inventory --project P),\n"+
		"else from the local store after a pull.")
	project := fs.String("project", "", "project ID")
	mailbox := fs.String("mailbox", "", "only this mailbox (address)")
	asJSON := fs.Bool("json", false, "print the mappings as JSON")
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
	ids, err := mappingMailboxes(a.Store(), *project, *mailbox)
	if err != nil {
		return err
	}
	all := map[string]sync.Mapping{}
	for _, id := range ids {
		m, notes, err := sync.MappingFor(a.Store(), *project, id)
		if err != nil {
			return fmt.Errorf("mapping of %s: %w", id, err)
		}
		if *asJSON {
			all[id] = m
			continue
		}
		printMapping(env, id, m, notes)
	}
	if *asJSON {
		raw, _ := json.MarshalIndent(all, "", "  ")
		fmt.Fprintln(env.Stdout, string(raw))
	}
	return nil
}

// mappingMailboxes is the named mailbox, or every mailbox of the project
// (registered, with a saved mapping, or known to the local store).
func mappingMailboxes(db *store.DB, project, mailbox string) ([]string, error) {
	if mailbox != "" {
		return []string{mailboxKey(db, project, mailbox, sourceLogin).MailboxID}, nil
	}
	if _, err := db.Project(project); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ids []string
	mbs, err := db.Mailboxes(project)
	if err != nil {
		return nil, err
	}
	for _, m := range mbs {
		seen[m.ID] = true
		ids = append(ids, m.ID)
	}
	boxes, err := db.Boxes(project)
	if err != nil {
		return nil, err
	}
	mapped, err := db.MappedMailboxes(project)
	if err != nil {
		return nil, err
	}
	for _, b := range boxes {
		mapped = append(mapped, b.MailboxID)
	}
	for _, id := range mapped {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("project %s has no mailboxes yet: import them (mailshift mailboxes import)", project)
	}
	return ids, nil
}

func printMapping(env *Env, id string, m sync.Mapping, notes []string) {
	fmt.Fprintf(env.Stdout, "%s  (%s profile; source separator %q prefix %q -> destination separator %q prefix %q)\n",
		id, m.Profile, m.Source.Separator, m.Source.Prefix, m.Dest.Separator, m.Dest.Prefix)
	for _, n := range notes {
		fmt.Fprintf(env.Stdout, "  note: %s\n", n)
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SOURCE\tDESTINATION\tREASON")
	renamed, excluded := 0, 0
	for _, f := range m.Folders {
		dest := f.Dest
		switch {
		case f.Excluded:
			dest, excluded = "(excluded)", excluded+1
		case f.Container:
			dest += "  (container, no mail)"
		}
		if f.Renamed() {
			renamed++
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Source, dest, joinReasons(f.Reasons))
	}
	tw.Flush()
	for _, f := range m.Folders {
		if f.Renamed() {
			fmt.Fprintf(env.Stdout, "  %q: %s\n", f.Source, strings.Join(f.Notes, "; "))
		}
	}
	fmt.Fprintf(env.Stdout, "  %d folder(s), %d renamed, %d excluded\n\n", len(m.Folders), renamed, excluded)
}

func joinReasons(rs []sync.Reason) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func mappingSet(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "mapping set", "mapping set --project P --mailbox M --folder SOURCE (--to DEST | --exclude | --auto)\n"+
		"DEST is the full destination name in the destination's spelling (its separator;\n"+
		"its prefix is added when missing). --auto forgets the choice. A name another\n"+
		"folder already has, or one the destination reserves, is renamed and reported.")
	project := fs.String("project", "", "project ID")
	mailbox := fs.String("mailbox", "", "mailbox (address)")
	folder := fs.String("folder", "", "source folder name, exactly as `mapping show` lists it")
	to := fs.String("to", "", "destination folder name")
	exclude := fs.Bool("exclude", false, "do not copy this folder")
	auto := fs.Bool("auto", false, "map this folder automatically again")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *project == "" || *mailbox == "" || *folder == "" {
		return usageError("give --project, --mailbox and --folder")
	}
	chosen := 0
	for _, b := range []bool{*to != "", *exclude, *auto} {
		if b {
			chosen++
		}
	}
	if chosen != 1 {
		return usageError("give exactly one of --to DEST, --exclude or --auto")
	}
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	id := mailboxKey(a.Store(), *project, *mailbox, sourceLogin).MailboxID
	f, m, err := sync.SetFolderOverride(a.Store(), *project, id, sync.Override{Source: *folder, To: *to, Exclude: *exclude})
	if err != nil {
		return err
	}
	switch {
	case f.Excluded:
		fmt.Fprintf(env.Stdout, "%q will not be copied\n", f.Source)
	default:
		fmt.Fprintf(env.Stdout, "%q -> %q (%s)\n", f.Source, f.Dest, joinReasons(f.Reasons))
	}
	if *to != "" && f.Renamed() {
		fmt.Fprintf(env.Stderr, "note: not exactly %q: %s\n", *to, strings.Join(f.Notes, "; "))
	}
	fmt.Fprintf(env.Stdout, "saved the mapping of %s (%d folder(s), %d choice(s))\n", id, len(m.Folders), len(m.Overrides))
	return nil
}
