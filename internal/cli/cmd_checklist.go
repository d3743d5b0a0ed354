package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"mailshift/app"
)

func checklistCommand() Command {
	return Command{
		Name:    "checklist",
		Summary: "show the phase plan, tick, untick or annotate a step (show|tick|untick|note)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			verb, rest := splitPositional(args)
			switch verb {
			case "show":
				return checklistShow(ctx, env, rest)
			case "tick", "untick", "note":
				return checklistChange(ctx, env, verb, rest)
			}
			fmt.Fprintln(env.Stderr, "usage: mailshift checklist show --project P\n       mailshift checklist tick STEP --project P --by NAME [--note T] [--override REASON]\n       mailshift checklist untick STEP --project P --by NAME --reason T\n       mailshift checklist note STEP --project P --by NAME --note T")
			if verb == "" && len(rest) > 0 && (rest[0] == "--help" || rest[0] == "-h") {
				return errHelpShown
			}
			return usageError("say show, tick, untick or note")
		},
	}
}

func checklistShow(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, "checklist show", "checklist show --project P")
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
	steps, err := a.Checklist(ctx, *project)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	phase := 0
	for _, s := range steps {
		if s.Phase != phase {
			phase = s.Phase
			fmt.Fprintf(tw, "\nPhase %d — %s\n", phase, app.ThePlan[phase-1].Title)
		}
		mark := map[app.Status]string{app.StatusTodo: "[ ]", app.StatusDone: "[x]", app.StatusBlocked: "[!]"}[s.Status]
		who := ""
		if s.By != "" {
			who = fmt.Sprintf("%s %s", s.By, s.At.Local().Format("2006-01-02 15:04"))
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\n", mark, s.ID, s.Owner, s.Title, who)
		for _, extra := range []string{s.Note, s.Reason} {
			if extra != "" {
				fmt.Fprintf(tw, "      %s\t\t\t\n", extra)
			}
		}
	}
	return tw.Flush()
}

func checklistChange(ctx context.Context, env *Env, verb string, args []string) error {
	fs := NewFlagSet(env, "checklist "+verb, "checklist "+verb+" STEP --project P --by NAME ...")
	project := fs.String("project", "", "project ID")
	by := fs.String("by", "", "who does this (recorded in the audit log)")
	note := fs.String("note", "", "a note on the step")
	reason := fs.String("reason", "", "why the step is un-ticked (required for untick)")
	override := fs.String("override", "", "tick a step blocked by a failing check, with this written reason")
	step, rest := splitPositional(args)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if step == "" || *project == "" {
		return usageError("give the step ID and --project (checklist show lists step IDs)")
	}
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	var s app.Step
	switch verb {
	case "tick":
		s, err = a.Tick(ctx, *project, step, *by, *note, *override)
	case "untick":
		s, err = a.Untick(ctx, *project, step, *by, *reason)
	case "note":
		s, err = a.Annotate(ctx, *project, step, *by, *note)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %s (%s)\n", s.ID, strings.ToUpper(string(s.Status)), s.Title)
	return nil
}
