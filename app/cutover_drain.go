package app

import (
	"fmt"
	"strings"
	"time"

	"mailshift/store"
)

// DrainQuiet is how long the old INBOXes must receive nothing (as seen by
// pulls made after the old MX left every cache) to count as drained.
const DrainQuiet = 30 * time.Minute

// CheckDrained is the live check "old INBOX drained".
const CheckDrained = "drained"

// inboxWatch is what the pulls saw of the old INBOXes.
type inboxWatch struct {
	unread     []string  // mailboxes whose old INBOX was never read
	lastChange time.Time // the last pull that found an old INBOX changed (or the first pull)
	lastPull   time.Time // the end of the project's last finished pull
}

// inboxWatch reads it from the store. It relies on the pull engine saving a
// folder's state (and PulledAt) only when the folder changed: a pull that
// finds the INBOX as it was leaves its PulledAt alone.
func (a *App) inboxWatch(projectID string) (inboxWatch, error) {
	var w inboxWatch
	mbs, err := a.db.Mailboxes(projectID)
	if err != nil {
		return w, err
	}
	for _, m := range mbs {
		states, err := a.db.FolderStates(store.BoxKey{ProjectID: projectID, MailboxID: m.ID})
		if err != nil {
			return w, fmt.Errorf("read the folders of %s: %w", m.ID, err)
		}
		st, ok := states["INBOX"]
		if !ok || st.PulledAt.IsZero() {
			w.unread = append(w.unread, m.ID)
			continue
		}
		if st.PulledAt.After(w.lastChange) {
			w.lastChange = st.PulledAt
		}
	}
	recs, err := a.db.Audit(projectID)
	if err != nil {
		return w, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Kind == "pull.finished" {
			w.lastPull = recs[i].At
			break
		}
	}
	return w, nil
}

// drainedCheck: the old INBOXes are drained when a pull made after the old
// MX left every cache found nothing new for DrainQuiet.
func drainedCheck(in checkInputs) CutoverCheck {
	c := CutoverCheck{ID: CheckDrained, StepID: "final-delta", Title: "Old INBOX drained", State: CheckPending}
	w := in.inbox
	again := func(at time.Time) string {
		return "Run the final delta again after " + at.Local().Format("Mon 2 Jan 15:04") + "."
	}
	switch {
	case len(w.unread) > 0:
		c.Summary = "The old INBOX of " + strings.Join(w.unread, ", ") + " has not been read yet."
		c.Action = "Run the final delta."
	case w.lastPull.IsZero() || !in.goneKnown:
		c.Summary = "Mailshift cannot tell yet when the old MX leaves every cache."
		c.Action = "Change the MX first; then run the final delta."
	case w.lastPull.Before(in.goneBy):
		c.Summary = "Caches may still send mail to the old host until " + in.goneBy.Local().Format("Mon 2 Jan 15:04") + "."
		c.Action = again(in.goneBy)
	case w.lastPull.Sub(w.lastChange) >= DrainQuiet:
		c.State = CheckPassed
		c.Summary = fmt.Sprintf("No new mail reached the old INBOXes from %s to %s.", w.lastChange.Local().Format("15:04"), w.lastPull.Local().Format("15:04"))
	default:
		next := w.lastChange.Add(DrainQuiet)
		c.Summary = fmt.Sprintf("The old INBOX changed at %s (new mail or a user at work there); it counts as drained once a pull finds nothing new for %.0f minutes.",
			w.lastChange.Local().Format("15:04"), DrainQuiet.Minutes())
		c.Action = again(next)
	}
	return c
}
