package app

import (
	"context"
	"encoding/json"
	"fmt"

	"mailshift/export/report"
	"mailshift/store"
	"mailshift/sync"
)

// SnapshotReconcileDetail keeps the engine's full reconciliation
// (JSON: sync.Reconciliation) next to the report's summary (SnapshotReconcile).
const SnapshotReconcileDetail = "reconcile-detail"

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
			if m.Mailbox == t.ID && one.OK() {
				a.db.SetMailboxStatus(projectID, t.ID, store.MailboxVerified, store.MailboxPushed)
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
