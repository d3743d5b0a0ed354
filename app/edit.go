package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mailshift/store"
)

// ProjectSettings are the editable parts of a project.
type ProjectSettings struct {
	Domain      string
	Source      store.Server
	Destination store.Server
	Profile     string
	CutoverAt   time.Time
}

// UpdateSettings changes a project's servers, profile, domain and cutover,
// and logs what changed (never a password: servers hold none).
func (a *App) UpdateSettings(ctx context.Context, projectID, actor string, s ProjectSettings) (store.Project, error) {
	p, err := a.db.Project(projectID)
	if err != nil {
		return p, err
	}
	if s.Profile == "" {
		s.Profile = p.Profile
	}
	if !validProfile(s.Profile) {
		return p, fmt.Errorf("unknown destination profile %q: use one of %s", s.Profile, strings.Join(Profiles, ", "))
	}
	s.Domain = strings.ToLower(strings.TrimSpace(s.Domain))
	if s.Domain != "" && !looksLikeDomain(s.Domain) {
		return p, fmt.Errorf("%q is not a domain name: give it as example.com", s.Domain)
	}
	var changes []string
	note := func(what, from, to string) {
		if from != to {
			changes = append(changes, fmt.Sprintf("%s %s → %s", what, orNone(from), orNone(to)))
		}
	}
	note("domain", p.Domain, s.Domain)
	note("old host", ServerURL(p.Source), ServerURL(s.Source))
	note("old host pin", p.Source.PinSHA256, s.Source.PinSHA256)
	note("new host", ServerURL(p.Destination), ServerURL(s.Destination))
	note("profile", p.Profile, s.Profile)
	note("cutover", fmtTime(p.CutoverAt), fmtTime(s.CutoverAt))
	if len(changes) == 0 && p.Source == s.Source && p.Destination == s.Destination {
		return p, nil
	}
	p.Domain, p.Source, p.Destination, p.Profile, p.CutoverAt = s.Domain, s.Source, s.Destination, s.Profile, s.CutoverAt
	if err := a.db.UpdateProject(p); err != nil {
		return p, err
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: actorOr(actor), Kind: "project.settings",
		Subject: projectID, Detail: strings.Join(changes, "; ")})
	a.Events.Publish(ProjectChanged{ProjectID: projectID})
	return p, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// AddMailbox adds one mailbox with its passwords (sealed; secrets must be
// unlocked when a password is given).
func (a *App) AddMailbox(ctx context.Context, projectID, actor string, m store.NewMailbox) error {
	m.Email = strings.TrimSpace(m.Email)
	if _, _, err := validAddress(m.Email); err != nil {
		return err
	}
	if strings.TrimSpace(m.SourceLogin) == "" {
		m.SourceLogin = m.Email
	}
	if err := a.db.AddMailboxes(projectID, []store.NewMailbox{m}); err != nil {
		return err
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: actorOr(actor), Kind: "mailbox.added", Subject: store.MailboxID(m.Email)})
	a.Events.Publish(MailboxesChanged{ProjectID: projectID, Added: 1})
	return nil
}

// SecretsUnlocked reports whether saved passwords can be used now.
func (a *App) SecretsUnlocked() bool { return a.db.SecretsUnlocked() }
