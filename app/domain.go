package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"mailshift/domain"
	"mailshift/export/report"
	"mailshift/store"
)

// Snapshot kinds of the domain checks (besides SnapshotDNS).
const SnapshotPropagation = "propagation" // one MX poll (JSON: domain.Propagation)

// DNSSnapshot is how a domain check is kept: the report's findings in the
// report builder's form (ReportDNS) plus the whole domain report.
type DNSSnapshot struct {
	ReportDNS
	Report domain.Report `json:"report"`
}

// DomainChecker returns the checker for the project's domain: for the demo
// domain (the reserved .test name cannot exist on the internet) one that asks
// the in-process loopback DNS, RDAP and autoconfig fixture, started on first
// use and stopped by Close; otherwise one built from a.DomainBase.
func (a *App) DomainChecker(projectID string) (*domain.Checker, error) {
	_, c, err := a.projectChecker(context.Background(), projectID)
	return c, err
}

// CheckerForDomain is DomainChecker for a domain name with no project
// (the CLI's `dns check DOMAIN`).
func (a *App) CheckerForDomain(ctx context.Context, domainName string) (*domain.Checker, error) {
	if domainName != domain.DemoDomain {
		return domain.NewChecker(a.DomainBase), nil
	}
	a.dnsMu.Lock()
	defer a.dnsMu.Unlock()
	if a.demoDNS == nil {
		// The fixture outlives ctx: it stops with the App.
		cfg, stop, err := domain.StartDemo(context.WithoutCancel(ctx))
		if err != nil {
			return nil, fmt.Errorf("start the demo domain's DNS: %w", err)
		}
		a.demoDNS, a.stopDNS = &cfg, stop
	}
	return domain.NewChecker(*a.demoDNS), nil
}

func (a *App) projectChecker(ctx context.Context, projectID string) (store.Project, *domain.Checker, error) {
	p, err := a.Project(ctx, projectID)
	if err != nil {
		return p, nil, err
	}
	c, err := a.CheckerForDomain(ctx, p.Domain)
	return p, c, err
}

// domainRequest is what the project says about its domain.
// A destination with no DNS profile of its own (gmail) is checked as generic.
func domainRequest(p store.Project) domain.Request {
	profile := p.Profile
	if _, err := domain.ProfileByName(profile); err != nil {
		profile = "generic"
	}
	return domain.Request{Domain: p.Domain, Profile: profile, Cutover: p.CutoverAt}
}

// CheckDomain runs every domain check for the project, keeps the report as
// a "dns" snapshot (the report shows the first and the last) and records
// the verdicts on the plan's steps: domain pre-flight passes with no
// blocker; the TTL step passes when the TTL findings are all fine.
func (a *App) CheckDomain(ctx context.Context, projectID string) (domain.Report, error) {
	p, c, err := a.projectChecker(ctx, projectID)
	if err != nil {
		return domain.Report{}, err
	}
	rep, data, err := a.checkAndKeep(ctx, p, c)
	if err != nil {
		return rep, err
	}
	if allNotRun(rep.Findings) {
		return rep, nil // offline: nothing was proven either way
	}
	blockers := rep.Count(domain.SeverityBlocker)
	summary := fmt.Sprintf("%d blocker(s), %d warning(s)", blockers, rep.Count(domain.SeverityWarning))
	if _, err := a.RecordCheck(ctx, projectID, "domain-preflight", blockers == 0, summary, data); err != nil {
		return rep, err
	}
	ttl := findingsOf(rep.Findings, "ttl")
	if len(ttl) > 0 {
		worst := domain.Worst(ttl)
		ok := worst == domain.SeverityOK || worst == domain.SeverityInfo
		if _, err := a.RecordCheck(ctx, projectID, "lower-ttl", ok, ttl[0].Summary, nil); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// DomainHistory returns the kept domain reports, oldest first.
func (a *App) DomainHistory(ctx context.Context, projectID string) ([]domain.Report, error) {
	snaps, err := a.db.Snapshots(projectID, SnapshotDNS)
	if err != nil {
		return nil, err
	}
	var out []domain.Report
	for _, s := range snaps {
		var d DNSSnapshot
		if json.Unmarshal(s.Data, &d) == nil && d.Report.Domain != "" {
			out = append(out, d.Report)
		}
	}
	return out, nil
}

// ExpectedRecords lists the records the destination needs, diffed against
// the domain's live DNS.
func (a *App) ExpectedRecords(ctx context.Context, projectID string) (domain.Plan, error) {
	p, c, err := a.projectChecker(ctx, projectID)
	if err != nil {
		return domain.Plan{}, err
	}
	return c.Expected(ctx, domainRequest(p))
}

// CheckPropagation asks every resolver and authoritative server for the
// project's MX once, keeps the poll in the propagation history and, once
// every server that answered sees the new MX, marks the MX step's check
// passed.
func (a *App) CheckPropagation(ctx context.Context, projectID string) (domain.Propagation, error) {
	p, c, err := a.projectChecker(ctx, projectID)
	if err != nil {
		return domain.Propagation{}, err
	}
	prop, data, err := a.pollMXAndKeep(ctx, p, c)
	if err == nil && prop.Complete() {
		_, err = a.RecordCheck(ctx, projectID, "change-mx", true, prop.Summary(), data)
	}
	return prop, err
}

// checkAndKeep runs the domain checks and keeps the report as a snapshot
// (for before/after in the report), deciding nothing about any step: the
// callers weigh it (CheckDomain at once, CutoverStatus with its other checks).
func (a *App) checkAndKeep(ctx context.Context, p store.Project, c *domain.Checker) (domain.Report, []byte, error) {
	rep, err := c.Check(ctx, domainRequest(p))
	if err != nil {
		return rep, nil, fmt.Errorf("check the domain %s: %w", p.Domain, err)
	}
	snap := DNSSnapshot{Report: rep}
	for _, f := range rep.Findings {
		snap.Findings = append(snap.Findings, report.Finding{Severity: string(f.Severity), Check: f.Check, Summary: f.Summary, Action: f.Action})
	}
	data, err := json.Marshal(snap)
	if err != nil {
		return rep, nil, err
	}
	if err := a.db.AddSnapshot(p.ID, SnapshotDNS, rep.At, data); err != nil {
		return rep, nil, fmt.Errorf("keep the domain findings: %w", err)
	}
	return rep, data, nil
}

// pollMXAndKeep asks every resolver and name server for the project's MX
// once and keeps the poll in the propagation history, deciding nothing.
func (a *App) pollMXAndKeep(ctx context.Context, p store.Project, c *domain.Checker) (domain.Propagation, []byte, error) {
	prop, err := c.Propagation(ctx, domain.PropagationQuery{Domain: p.Domain, Type: "MX", Expect: expectedMX(p)})
	if err != nil {
		return prop, nil, fmt.Errorf("ask the resolvers for %s's MX: %w", p.Domain, err)
	}
	data, err := json.Marshal(prop)
	if err != nil {
		return prop, nil, err
	}
	if err := a.db.AddSnapshot(p.ID, SnapshotPropagation, prop.At, data); err != nil {
		return prop, nil, fmt.Errorf("keep the propagation poll: %w", err)
	}
	return prop, data, nil
}

// PropagationHistory returns the kept MX polls, oldest first.
func (a *App) PropagationHistory(ctx context.Context, projectID string) ([]domain.Propagation, error) {
	snaps, err := a.db.Snapshots(projectID, SnapshotPropagation)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Propagation, 0, len(snaps))
	for _, s := range snaps {
		var p domain.Propagation
		if err := json.Unmarshal(s.Data, &p); err != nil {
			return nil, fmt.Errorf("read the propagation poll of %s: %w", s.At.Format(time.RFC3339), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// OldMXGoneBy is the earliest moment every cache can have dropped the old
// MX, from the kept propagation history (polls made before the change count:
// their TTLs are what caches may hold). ok is false until every name server
// of the domain gives the new MX in some poll.
func (a *App) OldMXGoneBy(ctx context.Context, projectID string) (gone time.Time, ok bool, err error) {
	hist, err := a.PropagationHistory(ctx, projectID)
	if err != nil {
		return time.Time{}, false, err
	}
	gone, ok = domain.OldAnswerGoneBy(hist)
	return gone, ok, nil
}

// expectedMX is the new host's MX targets from the project's profile; nil
// (compare with the authoritative servers' answer) when it names none.
func expectedMX(p store.Project) []string {
	prof, err := domain.ProfileByName(domainRequest(p).Profile)
	if err != nil || prof.Name == "" {
		return nil
	}
	return prof.MX(p.Domain)
}

func findingsOf(fs []domain.Finding, prefix string) []domain.Finding {
	var out []domain.Finding
	for _, f := range fs {
		if f.Check == prefix || len(f.Check) > len(prefix) && f.Check[:len(prefix)+1] == prefix+"." {
			out = append(out, f)
		}
	}
	return out
}

func allNotRun(fs []domain.Finding) bool {
	for _, f := range fs {
		if f.Severity != domain.SeverityNotRun {
			return false
		}
	}
	return len(fs) > 0
}
