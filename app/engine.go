package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"mailshift/store"
	"mailshift/sync"
)

// Endpoint builds the engine's view of one mailbox login on one side.
func (a *App) Endpoint(ctx context.Context, p store.Project, m store.Mailbox, dest bool) (sync.Endpoint, error) {
	srv, login := p.Source, m.SourceLogin
	if dest {
		srv, login = p.Destination, m.DestLogin
		if login == "" {
			login = m.Email
		}
	}
	if srv.Host == "" {
		side := "old"
		if dest {
			side = "new"
		}
		return sync.Endpoint{}, fmt.Errorf("the %s host of project %s is not set: add it in Setup (or project settings)", side, p.Name)
	}
	if srv.MaxConnections == 0 {
		if st, err := a.db.Settings(); err == nil && st.MaxConnections > 0 {
			srv.MaxConnections = st.MaxConnections
		}
	}
	pw, err := a.Password(ctx, p, m.ID, dest)
	if err != nil {
		return sync.Endpoint{}, fmt.Errorf("password of %s: %w", m.Email, err)
	}
	return sync.Endpoint{Server: srv, Username: login, Password: pw}, nil
}

func (a *App) mailbox(projectID, mailboxID string) (store.Project, store.Mailbox, error) {
	p, err := a.db.Project(projectID)
	if err != nil {
		return p, store.Mailbox{}, err
	}
	mbs, err := a.db.Mailboxes(projectID)
	if err != nil {
		return p, store.Mailbox{}, err
	}
	for _, m := range mbs {
		if m.ID == store.MailboxID(mailboxID) {
			return p, m, nil
		}
	}
	return p, store.Mailbox{}, fmt.Errorf("no mailbox %s in project %s: %w", mailboxID, projectID, store.ErrNotFound)
}

// TestConnection logs in to one mailbox on one side and reads the server's
// fingerprint (TLS certificate, capabilities, folders). The mailbox's
// status and the audit log record the outcome; the error, if any, is the
// engine's classified, person-worded one.
func (a *App) TestConnection(ctx context.Context, projectID, mailboxID string, dest bool) (sync.ServerInfo, error) {
	p, m, err := a.mailbox(projectID, mailboxID)
	if err != nil {
		return sync.ServerInfo{}, err
	}
	ep, err := a.Endpoint(ctx, p, m, dest)
	if err != nil {
		return sync.ServerInfo{}, err
	}
	side := "old host"
	if dest {
		side = "new host"
	}
	c, err := sync.Dial(ctx, ep)
	var info sync.ServerInfo
	if err == nil {
		info, err = c.Probe(ctx)
		c.Close()
	}
	if err != nil {
		a.db.SetMailboxStatus(projectID, m.ID, store.MailboxLoginFail)
	} else {
		a.db.SetMailboxStatus(projectID, m.ID, store.MailboxTested, store.MailboxNew, store.MailboxLoginFail)
	}
	detail := fmt.Sprintf("%s: OK, %d folders", side, len(info.Folders))
	if err != nil {
		detail = fmt.Sprintf("%s: %v", side, err)
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: "mailbox.tested", Subject: m.ID, Detail: detail})
	a.Events.Publish(MailboxesChanged{ProjectID: projectID})
	return info, err
}

// Inventory counts every folder of a mailbox on the source and keeps the
// result as a snapshot of the project ("inventory:<mailbox>").
func (a *App) Inventory(ctx context.Context, projectID, mailboxID string) (sync.ServerInfo, error) {
	p, m, err := a.mailbox(projectID, mailboxID)
	if err != nil {
		return sync.ServerInfo{}, err
	}
	ep, err := a.Endpoint(ctx, p, m, false)
	if err != nil {
		return sync.ServerInfo{}, err
	}
	c, err := sync.Dial(ctx, ep)
	if err != nil {
		return sync.ServerInfo{}, err
	}
	defer c.Close()
	info, err := c.Inventory(ctx)
	if err != nil {
		return info, err
	}
	raw, _ := json.Marshal(info)
	return info, a.db.AddSnapshot(projectID, "inventory:"+m.ID, a.now(), raw)
}

// PullJobID names the pull job of a project (one per project).
func PullJobID(projectID string) string { return "pull:" + projectID }

// StartPull starts (or resumes) the pull of the given mailboxes (all when
// none are named) as a background job. Progress arrives as JobChanged.
func (a *App) StartPull(ctx context.Context, projectID string, mailboxIDs []string, maxConns int) error {
	fn, err := a.pullJob(ctx, projectID, mailboxIDs, maxConns)
	if err != nil {
		return err
	}
	return a.Jobs().Start(PullJobID(projectID), "pull", projectID, strings.Join(mailboxIDs, ","), fn)
}

// Pull runs a pull in the caller's goroutine (the CLI), reporting progress
// to sink, and returns the engine's report.
func (a *App) Pull(ctx context.Context, projectID string, mailboxIDs []string, maxConns int, sink ProgressSink) (sync.Report, error) {
	return a.pull(ctx, projectID, mailboxIDs, maxConns, sink, nil)
}

// pull is Pull reporting to follow (a push beside it: sync.Beside).
func (a *App) pull(ctx context.Context, projectID string, mailboxIDs []string, maxConns int, sink ProgressSink, follow *sync.Follow) (sync.Report, error) {
	p, mbs, err := a.pullTargets(ctx, projectID, mailboxIDs)
	if err != nil {
		return sync.Report{}, err
	}
	if maxConns == 0 {
		maxConns = p.Source.MaxConnections
	}
	for _, m := range mbs {
		a.db.SetMailboxStatus(projectID, m.Mailbox.ID, store.MailboxPulling)
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: "pull.started", Subject: projectID, Detail: fmt.Sprintf("%d mailbox(es)", len(mbs))})
	var targets []sync.PullMailbox
	for _, m := range mbs {
		targets = append(targets, m.PullMailbox)
	}
	rep, err := sync.Pull(ctx, a.db, targets, sync.PullOptions{MaxConnections: maxConns, Progress: adapt(sink), Follow: follow})
	for _, m := range mbs {
		status := store.MailboxPulled
		for _, r := range rep.Mailboxes {
			switch {
			case r.Mailbox != m.Mailbox.ID:
			case r.LoginRefused:
				status = store.MailboxLoginFail // the table shows what to fix
			case r.Err != "" || err != nil:
				status = store.MailboxNew
			}
		}
		a.db.SetMailboxStatus(projectID, m.Mailbox.ID, status)
	}
	kind, detail := "pull.finished", rep.Summary()
	if err != nil {
		kind, detail = "pull.interrupted", detail+" ("+err.Error()+")"
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: kind, Subject: projectID, Detail: detail})
	a.afterPull(ctx, projectID, rep, err)
	a.Events.Publish(MailboxesChanged{ProjectID: projectID})
	return rep, err
}

type pullTarget struct {
	sync.PullMailbox
	Mailbox store.Mailbox
}

func (a *App) pullTargets(ctx context.Context, projectID string, ids []string) (store.Project, []pullTarget, error) {
	p, err := a.db.Project(projectID)
	if err != nil {
		return p, nil, err
	}
	all, err := a.db.Mailboxes(projectID)
	if err != nil {
		return p, nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[store.MailboxID(id)] = true
	}
	var out []pullTarget
	for _, m := range all {
		if len(want) > 0 && !want[m.ID] {
			continue
		}
		delete(want, m.ID)
		ep, err := a.Endpoint(ctx, p, m, false)
		if err != nil {
			return p, nil, err
		}
		out = append(out, pullTarget{sync.PullMailbox{Box: store.BoxKey{ProjectID: projectID, MailboxID: m.ID}, Endpoint: ep}, m})
	}
	for id := range want {
		return p, nil, fmt.Errorf("no mailbox %s in project %s", id, projectID)
	}
	if len(out) == 0 {
		return p, nil, fmt.Errorf("project %s has no mailboxes yet: import them first", projectID)
	}
	return p, out, nil
}

func (a *App) pullJob(ctx context.Context, projectID string, ids []string, maxConns int) (JobFunc, error) {
	if _, _, err := a.pullTargets(ctx, projectID, ids); err != nil {
		return nil, err // say it now, not later in the job
	}
	return func(ctx context.Context, sink ProgressSink) (string, bool, error) {
		sink.Update(func(p *Progress) { *p = Progress{Phase: "reading folders"} })
		rep, err := a.Pull(ctx, projectID, ids, maxConns, sink)
		return rep.Summary(), rep.Exceptions(), incomplete(rep.Stopped(), err)
	}, nil
}

// progressAdapter turns the engine's events into job counters; a nil
// sink (a caller that wants no progress) discards them.
type progressAdapter struct{ sink ProgressSink }

type discardProgress struct{}

func (discardProgress) Update(func(*Progress)) {}

func adapt(sink ProgressSink) progressAdapter {
	if sink == nil {
		return progressAdapter{discardProgress{}}
	}
	return progressAdapter{sink}
}

func (p progressAdapter) Planned(_ string, n int, b int64) {
	p.sink.Update(func(pr *Progress) { pr.Total += int64(n); pr.TotalBytes += b; pr.Phase = "copying" })
}
func (p progressAdapter) Folder(mb, f string) {
	p.sink.Update(func(pr *Progress) { pr.Detail = mb + " · " + f })
}
func (p progressAdapter) Stored(_ string, n int, b int64) {
	p.sink.Update(func(pr *Progress) {
		pr.Done += int64(n)
		pr.Bytes += b
		if pr.Done > pr.Total {
			pr.Total = pr.Done
		}
	})
}
func (p progressAdapter) Problem(mb, f string, uid uint32, why string) {
	p.sink.Update(func(pr *Progress) { pr.Errors++ })
}
func (p progressAdapter) Waiting(mb, why string) {
	p.sink.Update(func(pr *Progress) { pr.Phase = "waiting: " + why })
}

// Verify checks the local copy offline.
func (a *App) Verify(ctx context.Context, projectID string, progress func(done, total int)) (sync.Verification, error) {
	if _, err := a.db.Project(projectID); err != nil {
		return sync.Verification{}, err
	}
	v, err := sync.VerifyOffline(ctx, a.db, projectID, progress)
	if err == nil {
		a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: "mailshift", Kind: "verify.offline", Subject: projectID, Detail: v.Verdict()})
	}
	return v, err
}
