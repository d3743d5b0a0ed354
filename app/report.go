package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"mailshift/export/report"
	"mailshift/store"
)

// Snapshot kinds other packages' results are kept under (see store.AddSnapshot).
const (
	SnapshotDNS       = "dns"       // domain findings (JSON: ReportDNS)
	SnapshotReconcile = "reconcile" // reconciliation (JSON: []report.Mailbox)
	SnapshotSignOff   = "signoff"   // report.SignOff
)

// ReportDNS is how DNS findings snapshots are read for the report.
type ReportDNS struct {
	Findings []report.Finding `json:"findings"`
}

// NotGreen lists the steps (other than the sign-off itself) that are not
// done; sign-off waits until it is empty.
func (a *App) NotGreen(ctx context.Context, projectID string) ([]Step, error) {
	steps, err := a.Checklist(ctx, projectID)
	if err != nil {
		return nil, err
	}
	var out []Step
	for _, s := range steps {
		if s.ID != "sign-off" && s.Status != StatusDone {
			out = append(out, s)
		}
	}
	return out, nil
}

// SignOff records the customer's acceptance: only when every other step is
// done, with the customer's name; it ticks the sign-off step and logs it.
func (a *App) SignOff(ctx context.Context, projectID, customer, provider, note string) error {
	customer = strings.TrimSpace(customer)
	if customer == "" {
		return errors.New("the customer's name is needed to sign off")
	}
	open, err := a.NotGreen(ctx, projectID)
	if err != nil {
		return err
	}
	if len(open) > 0 {
		var names []string
		for _, s := range open {
			names = append(names, s.Title)
		}
		return fmt.Errorf("sign-off waits until every step is done; still open: %s", strings.Join(names, "; "))
	}
	so := report.SignOff{Customer: customer, Provider: strings.TrimSpace(provider), At: a.now().UTC(), Note: strings.TrimSpace(note)}
	raw, _ := json.Marshal(so)
	if err := a.db.AddSnapshot(projectID, SnapshotSignOff, so.At, raw); err != nil {
		return err
	}
	if st, err := a.step(projectID, "sign-off"); err == nil && st.Status == StatusDone {
		_, err = a.db.AppendAudit(projectID, store.AuditRecord{At: so.At, Actor: customer, Kind: "project.signed-off", Subject: projectID, Detail: so.Note})
		return err
	}
	_, err = a.Tick(ctx, projectID, "sign-off", customer, "Signed off by "+customer, "")
	return err
}

// BuildReport gathers everything the report shows from the store.
func (a *App) BuildReport(ctx context.Context, projectID string) (report.Report, error) {
	p, err := a.db.Project(projectID)
	if err != nil {
		return report.Report{}, err
	}
	r := report.Report{Generated: a.now(), Project: report.Project{Name: p.Name, Domain: p.Domain,
		OldHost: ServerURL(p.Source), NewHost: ServerURL(p.Destination), Profile: p.Profile, Cutover: p.CutoverAt}}
	steps, err := a.Checklist(ctx, projectID)
	if err != nil {
		return r, err
	}
	for _, s := range steps {
		r.Steps = append(r.Steps, report.Step{Phase: s.Phase, ID: s.ID, Title: s.Title, Owner: string(s.Owner),
			Status: string(s.Status), By: s.By, At: s.At, Note: s.Note, Reason: s.Reason, Override: s.Override})
	}
	recs, head, verr := a.Audit(ctx, projectID)
	if recs == nil && verr != nil {
		return r, verr
	}
	for _, rec := range recs {
		r.Timeline = append(r.Timeline, report.Event{Seq: rec.Seq, At: rec.At, Actor: rec.Actor, Kind: rec.Kind, Subject: rec.Subject, Detail: rec.Detail})
	}
	r.AuditCount, r.AuditHead, r.AuditOK = len(recs), head, verr == nil
	if verr != nil {
		r.AuditNote = verr.Error()
	}
	dns, err := a.db.Snapshots(projectID, SnapshotDNS)
	if err != nil {
		return r, err
	}
	if len(dns) > 0 {
		r.DNSBefore = dnsSnapshot(dns[0])
		if len(dns) > 1 {
			r.DNSAfter = dnsSnapshot(dns[len(dns)-1])
		}
	}
	if rec, err := a.db.Snapshots(projectID, SnapshotReconcile); err == nil && len(rec) > 0 {
		json.Unmarshal(rec[len(rec)-1].Data, &r.Mailboxes)
	}
	if so, err := a.db.Snapshots(projectID, SnapshotSignOff); err == nil && len(so) > 0 {
		var s report.SignOff
		if json.Unmarshal(so[len(so)-1].Data, &s) == nil {
			r.SignOff = &s
		}
	}
	return r, nil
}

func dnsSnapshot(s store.Snapshot) report.DNS {
	var d ReportDNS
	json.Unmarshal(s.Data, &d)
	return report.DNS{At: s.At, Findings: d.Findings}
}

// ExportReport writes the report's HTML and PDF into dir (default: the
// data folder's reports/<project>) and logs it.
func (a *App) ExportReport(ctx context.Context, projectID, dir, actor string) (htmlPath, pdfPath string, err error) {
	r, err := a.BuildReport(ctx, projectID)
	if err != nil {
		return "", "", err
	}
	if dir == "" {
		dir = filepath.Join(a.db.Dir(), "reports", projectID)
	}
	name := fmt.Sprintf("%s-migration-report-%s", projectID, a.now().Format("2006-01-02-1504"))
	htmlPath, pdfPath, err = report.Write(ctx, dir, name, r)
	if err != nil {
		return "", "", err
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: actorOr(actor), Kind: "report.exported", Subject: projectID, Detail: filepath.Base(pdfPath)})
	return htmlPath, pdfPath, nil
}
