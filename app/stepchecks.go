package app

import (
	"context"
	"fmt"

	"mailshift/store"
	"mailshift/sync"
)

// The migration's runs prove their plan steps (DESIGN.md: a step is ticked
// by a person or by the check that proves it): a pull that has copied every
// mailbox passes "initial-pull", a push or export that has put every
// mailbox somewhere passes "push-or-export", a clean reconciliation passes
// "verify-copy". A run with exceptions blocks its step with its summary,
// unless a person has overridden the step (their written reason stands).
// An interrupted run (paused, stopped) decides nothing.

// recordRun records a run's verdict on a step.
func (a *App) recordRun(ctx context.Context, projectID, stepID string, passed bool, summary string) {
	if !passed {
		if st, err := a.step(projectID, stepID); err == nil && st.Override {
			return
		}
	}
	a.RecordCheck(ctx, projectID, stepID, passed, summary, nil)
}

// mailboxesAtLeast reports whether every mailbox of the project has
// reached one of the given states.
func (a *App) mailboxesAtLeast(projectID string, ok ...store.MailboxStatus) bool {
	mbs, err := a.db.Mailboxes(projectID)
	if err != nil || len(mbs) == 0 {
		return false
	}
	for _, m := range mbs {
		found := false
		for _, s := range ok {
			found = found || m.Status == s
		}
		if !found {
			return false
		}
	}
	return true
}

// pullFailed: a message could not be copied or a mailbox failed. Messages
// deleted at the source during the pull ("vanished") are no failure.
func pullFailed(rep sync.Report) bool {
	_, _, _, failed, _ := rep.Counts()
	for _, m := range rep.Mailboxes {
		if m.Err != "" {
			return true
		}
	}
	return failed > 0
}

func (a *App) afterPull(ctx context.Context, projectID string, rep sync.Report, err error) {
	switch {
	case err != nil:
	case pullFailed(rep):
		a.recordRun(ctx, projectID, "initial-pull", false, "The pull has exceptions: "+rep.Summary())
	case a.mailboxesAtLeast(projectID, store.MailboxPulled, store.MailboxPushed, store.MailboxVerified):
		a.recordRun(ctx, projectID, "initial-pull", true, "Every mailbox is in the local store: "+rep.Summary())
	}
}

func (a *App) afterPush(ctx context.Context, projectID string, rep sync.PushReport, err error) {
	switch {
	case err != nil:
	case rep.Exceptions():
		a.recordRun(ctx, projectID, "push-or-export", false, "The push has exceptions (see the Errors list): "+rep.Summary())
	case a.mailboxesAtLeast(projectID, store.MailboxPushed, store.MailboxVerified):
		a.recordRun(ctx, projectID, "push-or-export", true, "Every mailbox is on the new host: "+rep.Summary())
	}
}

func (a *App) afterExport(ctx context.Context, projectID string, mailboxes, skipped int, format string) {
	mbs, err := a.db.Mailboxes(projectID)
	if err != nil || mailboxes < len(mbs) {
		return // a part of the project: not yet every mailbox
	}
	if skipped > 0 {
		a.recordRun(ctx, projectID, "push-or-export", false, fmt.Sprintf("The %s export skipped %d unreadable message(s)", format, skipped))
		return
	}
	a.recordRun(ctx, projectID, "push-or-export", true, fmt.Sprintf("Every mailbox is exported as %s", format))
}

func (a *App) afterReconcile(ctx context.Context, projectID string, rec sync.Reconciliation) {
	a.recordRun(ctx, projectID, "verify-copy", rec.OK(), rec.Verdict())
}
