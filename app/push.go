package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"mailshift/export/report"
	"mailshift/store"
	"mailshift/sync"
)

// SnapshotReconcileDetail keeps the engine's full reconciliation
// (JSON: sync.Reconciliation) next to the report's summary (SnapshotReconcile).
const SnapshotReconcileDetail = "reconcile-detail"

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
		return rep.Summary(), rep.Exceptions(), err
	}
	return a.Jobs().Start(PushJobID(projectID), "push", projectID, strings.Join(mailboxIDs, ","), fn)
}

// Push copies the locally stored messages of the given mailboxes (all
// when none are named) to the project's new host in the caller's
// goroutine (the CLI), exactly once across interrupted runs, reporting
// progress to sink. maxConns 0 means the destination server's setting.
// A mailbox pushed without exceptions gets status "pushed".
func (a *App) Push(ctx context.Context, projectID string, mailboxIDs []string, maxConns int, sink ProgressSink) (sync.PushReport, error) {
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
	rep, err := sync.Push(ctx, a.db, mbs, sync.PushOptions{MaxConnections: maxConns, Progress: adapt(sink)})
	for _, t := range targets {
		for _, r := range rep.Mailboxes {
			if r.Mailbox == t.ID && err == nil && mailboxClean(r) {
				t.Status = store.MailboxPushed
				a.db.UpdateMailbox(projectID, t)
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

// Reconcile compares every mailbox of the project on the source (read
// fresh when its host is set, else its last inventory), in the local
// store and on the destination (read fresh), and keeps the result: the
// report's summary as a "reconcile" snapshot ([]report.Mailbox) and the
// engine's detail as "reconcile-detail". Nothing is changed on either
// server. The result's OK() is true only when no message is missing. A
// pushed mailbox that reconciles clean gets status "verified".
func (a *App) Reconcile(ctx context.Context, projectID string) (sync.Reconciliation, error) {
	targets, err := a.pushTargets(ctx, projectID, nil)
	if err != nil {
		return sync.Reconciliation{}, err
	}
	p, _ := a.db.Project(projectID)
	var mbs []sync.ReconcileMailbox
	for _, t := range targets {
		dep, err := a.Endpoint(ctx, p, t, true)
		if err != nil {
			return sync.Reconciliation{}, err
		}
		var sep sync.Endpoint
		if p.Source.Host != "" {
			if sep, err = a.Endpoint(ctx, p, t, false); err != nil {
				return sync.Reconciliation{}, err
			}
		}
		mbs = append(mbs, sync.ReconcileMailbox{Box: store.BoxKey{ProjectID: projectID, MailboxID: t.ID}, Source: sep, Dest: dep})
	}
	rec, err := sync.Reconcile(ctx, a.db, mbs, sync.ReconcileOptions{MaxConnections: p.Destination.MaxConnections})
	if err != nil {
		return rec, fmt.Errorf("reconciliation interrupted: %w", err)
	}
	if err := KeepReconciliation(a.db, projectID, rec); err != nil {
		return rec, err
	}
	for _, t := range targets {
		for _, m := range rec.Mailboxes {
			one := sync.Reconciliation{Mailboxes: []sync.MailboxReconcile{m}}
			if m.Mailbox == t.ID && one.OK() && t.Status == store.MailboxPushed {
				t.Status = store.MailboxVerified
				a.db.UpdateMailbox(projectID, t)
			}
		}
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: "reconcile", Subject: projectID, Detail: rec.Verdict()})
	a.afterReconcile(ctx, projectID, rec)
	a.Events.Publish(MailboxesChanged{ProjectID: projectID})
	return rec, nil
}

// ReconcileSummary is a reconciliation as the migration report shows it.
func ReconcileSummary(rec sync.Reconciliation) []report.Mailbox {
	var sum []report.Mailbox
	for _, m := range rec.Mailboxes {
		rm := report.Mailbox{Email: m.Mailbox, Verdict: sync.Reconciliation{Mailboxes: []sync.MailboxReconcile{m}}.Verdict()}
		for _, f := range m.Folders {
			rm.Folders = append(rm.Folders, report.Folder{Source: f.Source, Destination: f.Dest, SourceCount: f.SourceMessages,
				Local: f.Local, OnDestination: f.Matched, Missing: len(f.Missing), Extra: len(f.Extra), Skipped: len(f.Skipped)})
		}
		sum = append(sum, rm)
	}
	return sum
}

// KeepReconciliation stores rec in the project for the migration report
// (SnapshotReconcile) and in full (SnapshotReconcileDetail).
func KeepReconciliation(db *store.DB, projectID string, rec sync.Reconciliation) error {
	for _, kv := range []struct {
		kind string
		v    any
	}{{SnapshotReconcile, ReconcileSummary(rec)}, {SnapshotReconcileDetail, rec}} {
		raw, err := json.Marshal(kv.v)
		if err != nil {
			return err
		}
		if err := db.AddSnapshot(projectID, kv.kind, rec.At, raw); err != nil {
			return fmt.Errorf("keep the reconciliation in project %s: %w", projectID, err)
		}
	}
	return nil
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
// pull of what is new on the old host (and flag changes), then a push of
// what the new host lacks. Both are resumable; running it again copies
// only what arrived since. The job's message holds both summaries.
func (a *App) StartDelta(ctx context.Context, projectID string, mailboxIDs []string, maxConns int) error {
	if _, err := a.pushTargets(ctx, projectID, mailboxIDs); err != nil {
		return err
	}
	if _, _, err := a.pullTargets(ctx, projectID, mailboxIDs); err != nil {
		return err
	}
	fn := func(ctx context.Context, sink ProgressSink) (string, bool, error) {
		sink.Update(func(p *Progress) { *p = Progress{Phase: "pulling what is new"} })
		prep, err := a.Pull(ctx, projectID, mailboxIDs, maxConns, sink)
		msg := "pull: " + prep.Summary()
		if err != nil {
			return msg, true, err
		}
		sink.Update(func(p *Progress) { *p = Progress{Phase: "pushing what the new host lacks"} })
		rep, err := a.Push(ctx, projectID, mailboxIDs, maxConns, sink)
		return msg + " push: " + rep.Summary(), prep.Exceptions() || rep.Exceptions(), err
	}
	return a.Jobs().Start(DeltaJobID(projectID), "delta", projectID, strings.Join(mailboxIDs, ","), fn)
}
