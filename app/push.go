package app

import (
	"context"
	"fmt"
	"strings"

	"mailshift/store"
	"mailshift/sync"
)

// PushJobID names the push job of a project (one per project).
func PushJobID(projectID string) string { return "push:" + projectID }

// StartPush starts (or resumes) the push of the given mailboxes (all when
// none are named) to the project's new host as a background job. Progress
// arrives as JobChanged; the job ends "done with exceptions" when anything
// was not copied (over the size limit, refused, quota). Running it again
// sends only what the destination lacks.
func (a *App) StartPush(ctx context.Context, projectID string, mailboxIDs []string, maxConns int) error {
	if _, err := a.pushTargets(ctx, projectID, mailboxIDs); err != nil {
		return err // say it now, not later in the job
	}
	fn := func(ctx context.Context, sink ProgressSink) (string, bool, error) {
		sink.Update(func(p *Progress) { *p = Progress{Phase: "reading the destination's folders"} })
		rep, err := a.Push(ctx, projectID, mailboxIDs, maxConns, sink)
		return rep.Summary(), rep.Exceptions(), incomplete(rep.Stopped(), err)
	}
	return a.Jobs().Start(PushJobID(projectID), "push", projectID, strings.Join(mailboxIDs, ","), fn)
}

// Push copies the locally stored messages of the given mailboxes (all
// when none are named) to the project's new host in the caller's
// goroutine (the CLI), exactly once across interrupted runs, reporting
// progress to sink. maxConns 0 means the destination server's setting.
// A mailbox pushed without exceptions gets status "pushed".
func (a *App) Push(ctx context.Context, projectID string, mailboxIDs []string, maxConns int, sink ProgressSink) (sync.PushReport, error) {
	return a.push(ctx, projectID, mailboxIDs, maxConns, sink, nil)
}

// push is Push beside a pull reporting to follow, when not nil.
func (a *App) push(ctx context.Context, projectID string, mailboxIDs []string, maxConns int, sink ProgressSink, follow *sync.Follow) (sync.PushReport, error) {
	targets, err := a.pushTargets(ctx, projectID, mailboxIDs)
	if err != nil {
		return sync.PushReport{}, err
	}
	p, _ := a.db.Project(projectID)
	if maxConns == 0 {
		maxConns = p.Destination.MaxConnections
	}
	var mbs []sync.PushMailbox
	for _, t := range targets {
		ep, err := a.Endpoint(ctx, p, t, true)
		if err != nil {
			return sync.PushReport{}, err
		}
		mbs = append(mbs, sync.PushMailbox{Box: store.BoxKey{ProjectID: projectID, MailboxID: t.ID}, Endpoint: ep})
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: "push.started", Subject: projectID, Detail: fmt.Sprintf("%d mailbox(es)", len(mbs))})
	rep, err := sync.Push(ctx, a.db, mbs, sync.PushOptions{MaxConnections: maxConns, Progress: adapt(sink), Follow: follow})
	for _, t := range targets {
		for _, r := range rep.Mailboxes {
			switch {
			case r.Mailbox != t.ID:
			case r.LoginRefused:
				a.db.SetMailboxStatus(projectID, t.ID, store.MailboxLoginFail) // the table shows what to fix
			case err == nil && mailboxClean(r):
				a.db.SetMailboxStatus(projectID, t.ID, store.MailboxPushed)
			}
		}
	}
	kind, detail := "push.finished", rep.Summary()
	if err != nil {
		kind, detail = "push.interrupted", detail+" ("+err.Error()+")"
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: kind, Subject: projectID, Detail: detail})
	a.afterPush(ctx, projectID, rep, err)
	a.Events.Publish(MailboxesChanged{ProjectID: projectID})
	return rep, err
}

// mailboxClean: nothing of the mailbox is missing on the destination.
func mailboxClean(r sync.PushMailboxReport) bool {
	one := sync.PushReport{Mailboxes: []sync.PushMailboxReport{r}}
	return !one.Exceptions()
}

// pushTargets are the named mailboxes of the project (all when none are
// named); an unknown name is an error.
func (a *App) pushTargets(_ context.Context, projectID string, ids []string) ([]store.Mailbox, error) {
	p, err := a.db.Project(projectID)
	if err != nil {
		return nil, err
	}
	if p.Destination.Host == "" {
		return nil, fmt.Errorf("the new host of project %s is not set: add it in Setup (or project settings)", p.Name)
	}
	all, err := a.db.Mailboxes(projectID)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[store.MailboxID(id)] = true
	}
	var out []store.Mailbox
	for _, m := range all {
		if len(want) > 0 && !want[m.ID] {
			continue
		}
		delete(want, m.ID)
		out = append(out, m)
	}
	for id := range want {
		return nil, fmt.Errorf("no mailbox %s in project %s", id, projectID)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("project %s has no mailboxes yet: import them first", projectID)
	}
	return out, nil
}

// Mapping is a mailbox's folder mapping as the push would use it now
// (source folder -> destination folder, with reasons for every rename and
// the user's overrides); notes say what had to be assumed (no inventory
// yet, destination not probed). Nothing is saved.
func (a *App) Mapping(ctx context.Context, projectID, mailboxID string) (sync.Mapping, []string, error) {
	if _, _, err := a.mailbox(projectID, mailboxID); err != nil {
		return sync.Mapping{}, nil, err
	}
	return sync.MappingFor(a.db, projectID, store.MailboxID(mailboxID))
}

// SetMapping records the user's choice for one source folder: o.To sends
// it to that destination folder, o.Exclude leaves it out, neither returns
// it to the automatic mapping. The rebuilt mapping is saved (the next
// push uses it) and the folder's new line returned.
func (a *App) SetMapping(ctx context.Context, projectID, mailboxID string, o sync.Override) (sync.FolderMap, sync.Mapping, error) {
	if _, _, err := a.mailbox(projectID, mailboxID); err != nil {
		return sync.FolderMap{}, sync.Mapping{}, err
	}
	f, m, err := sync.SetFolderOverride(a.db, projectID, store.MailboxID(mailboxID), o)
	if err != nil {
		return f, m, err
	}
	detail := fmt.Sprintf("%s: %q -> %q", mailboxID, o.Source, f.Dest)
	if o.Exclude {
		detail = fmt.Sprintf("%s: %q excluded", mailboxID, o.Source)
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "user", Kind: "mapping.changed", Subject: mailboxID, Detail: detail})
	return f, m, nil
}

// DeltaJobID names the final-delta job of a project (one per project).
func DeltaJobID(projectID string) string { return "delta:" + projectID }

// StartDelta runs the cutover day's final delta as a background job: a
// pull of what is new on the old host (and flag changes) and, beside it, a
// push to the new host of what it lacks, taking what is pulled while the
// pull goes on (sync.Beside, as sync.Copy does). Both are resumable;
// running it again copies only what arrived since. The job's message holds
// both summaries.
func (a *App) StartDelta(ctx context.Context, projectID string, mailboxIDs []string, maxConns int) error {
	if _, err := a.pushTargets(ctx, projectID, mailboxIDs); err != nil {
		return err
	}
	if _, _, err := a.pullTargets(ctx, projectID, mailboxIDs); err != nil {
		return err
	}
	fn := func(ctx context.Context, sink ProgressSink) (string, bool, error) {
		sink.Update(func(p *Progress) { *p = Progress{Phase: "pulling what is new and pushing it"} })
		var prep sync.Report
		var rep sync.PushReport
		var perr, err error
		sync.Beside(func(f *sync.Follow) {
			prep, perr = a.pull(ctx, projectID, mailboxIDs, maxConns, sink, f)
		}, func(f *sync.Follow) {
			rep, err = a.push(ctx, projectID, mailboxIDs, maxConns, sink, f)
		})
		if perr != nil {
			err = perr
		}
		return "pull: " + prep.Summary() + " push: " + rep.Summary(), prep.Exceptions() || rep.Exceptions(), incomplete(prep.Stopped()+rep.Stopped(), err)
	}
	return a.Jobs().Start(DeltaJobID(projectID), "delta", projectID, strings.Join(mailboxIDs, ","), fn)
}
