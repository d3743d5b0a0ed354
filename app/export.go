package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mailshift/export"
	"mailshift/export/eml"
	"mailshift/store"
)

// ExportRequest says what to export from the local store and where.
type ExportRequest struct {
	MailboxIDs []string // empty: every mailbox of the project
	Format     string   // "pst", "mbox" or "eml"
	Dir        string   // the output folder; one output per mailbox, named after its address
	PSTMaxSize int64    // 0: the PST writer's default split size
}

// ExportJobID is the job ID of a project's export.
func ExportJobID(projectID string) string { return "export:" + projectID }

// exportPlan checks a request before anything is written: the format, the
// folder, the mailboxes, and that no output would overwrite a file.
func (a *App) exportPlan(ctx context.Context, projectID string, req ExportRequest) ([]string, error) {
	switch export.Format(req.Format) {
	case export.PST, export.MBOX, export.EML:
	default:
		return nil, fmt.Errorf("unknown export format %q: choose pst, mbox or eml", req.Format)
	}
	if strings.TrimSpace(req.Dir) == "" {
		return nil, errors.New("choose the folder the export goes into")
	}
	ids := req.MailboxIDs
	if len(ids) == 0 {
		mbs, err := a.Mailboxes(ctx, projectID)
		if err != nil {
			return nil, err
		}
		for _, m := range mbs {
			ids = append(ids, string(m.ID))
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("the project has no mailboxes to export")
	}
	for _, id := range ids {
		if _, _, err := a.mailbox(projectID, id); err != nil {
			return nil, err
		}
		if p := exportOutput(req, id); exists(p) {
			return nil, fmt.Errorf("%s already exists: choose another folder or move it away (an export never overwrites)", p)
		}
	}
	return ids, nil
}

func exportOutput(req ExportRequest, mailboxID string) string {
	name := eml.SafeName(mailboxID, 200)
	if req.Format == string(export.PST) {
		name += ".pst"
	}
	return filepath.Join(req.Dir, name)
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// Export writes each mailbox's stored copy to req.Dir in the caller's
// goroutine (the CLI). Output is written under *.partial names renamed only
// when a mailbox is complete, so a cancelled export leaves nothing that
// looks finished. The audit log records every file written.
func (a *App) Export(ctx context.Context, projectID string, req ExportRequest, progress export.Progress) ([]*export.Result, error) {
	ids, err := a.exportPlan(ctx, projectID, req)
	if err != nil {
		return nil, err
	}
	var out []*export.Result
	for _, id := range ids {
		src, err := newStoreSource(a.db, projectID, id)
		if err != nil {
			return out, err
		}
		res, err := export.Run(ctx, src, export.Options{Format: export.Format(req.Format), OutDir: req.Dir,
			Name: eml.SafeName(id, 200), PSTMaxSize: req.PSTMaxSize, Progress: progress})
		if err != nil {
			return out, fmt.Errorf("export %s: %w", id, err)
		}
		out = append(out, res)
		a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: "export.written", Subject: id,
			Detail: fmt.Sprintf("%d messages, %d skipped, %s: %s", res.Messages, len(res.Skipped), req.Format, strings.Join(res.Files, ", "))})
	}
	skipped := 0
	for _, r := range out {
		skipped += len(r.Skipped)
	}
	a.afterExport(ctx, projectID, len(out), skipped, req.Format)
	return out, nil
}

// StartExport runs Export as a background job (progress as JobChanged).
func (a *App) StartExport(ctx context.Context, projectID string, req ExportRequest) error {
	if _, err := a.exportPlan(ctx, projectID, req); err != nil {
		return err // say it now, not later in the job
	}
	fn := func(ctx context.Context, sink ProgressSink) (string, bool, error) {
		sink.Update(func(p *Progress) { *p = Progress{Phase: "exporting to " + strings.ToUpper(req.Format)} })
		prog := export.ProgressFunc(func(e export.Event) {
			switch e := e.(type) {
			case export.FolderStarted:
				sink.Update(func(p *Progress) { p.Detail = e.Folder })
			case export.MessageExported:
				sink.Update(func(p *Progress) { p.Done++; p.Bytes += e.Bytes })
			case export.MessageSkipped:
				sink.Update(func(p *Progress) { p.Errors++ })
			}
		})
		res, err := a.Export(ctx, projectID, req, prog)
		n, skipped := 0, 0
		for _, r := range res {
			n += r.Messages
			skipped += len(r.Skipped)
		}
		return fmt.Sprintf("exported %d messages of %d mailbox(es) to %s; %d skipped", n, len(res), req.Dir, skipped), skipped > 0, err
	}
	return a.Jobs().Start(ExportJobID(projectID), "export", projectID, strings.Join(req.MailboxIDs, ","), fn)
}

// ExportSource is one mailbox's stored copy as an export.Source (the CLI
// runs export.Run on it with its own output options). The mailbox may be
// one the command line pulled into the project without it being on the
// project's list (pull, copy --project P --user NAME): what is stored of
// it is exported.
func (a *App) ExportSource(ctx context.Context, projectID, mailboxID string) (export.Source, error) {
	if _, _, err := a.mailbox(projectID, mailboxID); err != nil {
		if states, _ := a.db.FolderStates(store.BoxKey{ProjectID: projectID, MailboxID: mailboxID}); len(states) == 0 {
			return nil, err
		}
	}
	return newStoreSource(a.db, projectID, mailboxID)
}
