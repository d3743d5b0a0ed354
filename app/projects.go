package app

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"mailshift/store"
)

// Profiles are the destination profiles a project may name.
var Profiles = []string{"generic", "m365", "gmail"}

// NewProject is what the new-project form and `project new` collect.
type NewProject struct {
	Name        string
	Domain      string
	Source      store.Server
	Destination store.Server
	Profile     string
	CutoverAt   time.Time
	Actor       string
}

// CreateProject validates and stores a project and logs its creation.
func (a *App) CreateProject(ctx context.Context, np NewProject) (store.Project, error) {
	if err := ctx.Err(); err != nil {
		return store.Project{}, err
	}
	if np.Profile == "" {
		np.Profile = "generic"
	}
	if !validProfile(np.Profile) {
		return store.Project{}, fmt.Errorf("unknown destination profile %q: use one of %s", np.Profile, strings.Join(Profiles, ", "))
	}
	np.Domain = strings.ToLower(strings.TrimSpace(np.Domain))
	if np.Domain != "" && !looksLikeDomain(np.Domain) {
		return store.Project{}, fmt.Errorf("%q is not a domain name: give it as example.com", np.Domain)
	}
	p, err := a.db.CreateProject(store.Project{
		Name: np.Name, Domain: np.Domain, Source: np.Source, Destination: np.Destination,
		Profile: np.Profile, CutoverAt: np.CutoverAt, Created: a.now().UTC(),
	})
	if err != nil {
		return p, err
	}
	_, err = a.db.AppendAudit(p.ID, store.AuditRecord{At: a.now(), Actor: actorOr(np.Actor), Kind: "project.created", Subject: p.ID, Detail: p.Name})
	a.Events.Publish(ProjectChanged{ProjectID: p.ID})
	return p, err
}

// Project loads one project.
func (a *App) Project(ctx context.Context, id string) (store.Project, error) {
	return a.db.Project(id)
}

// Projects lists every project.
func (a *App) Projects(ctx context.Context) ([]store.Project, error) {
	return a.db.Projects()
}

// Mailboxes lists a project's mailboxes.
func (a *App) Mailboxes(ctx context.Context, projectID string) ([]store.Mailbox, error) {
	return a.db.Mailboxes(projectID)
}

// Audit returns a project's log, verified: err is set when the chain is broken.
func (a *App) Audit(ctx context.Context, projectID string) ([]store.AuditRecord, string, error) {
	recs, err := a.db.Audit(projectID)
	if err != nil {
		return nil, "", err
	}
	head, _, err := a.db.VerifyAudit(projectID)
	return recs, head, err
}

func validProfile(p string) bool {
	for _, q := range Profiles {
		if p == q {
			return true
		}
	}
	return false
}

func looksLikeDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127) {
				return false
			}
		}
	}
	return true
}

// ParseServer reads a server given as a URL: imaps://host[:993],
// imap+starttls://host[:143] or imap://host[:143] (plaintext, which must
// also be allowed explicitly), or a bare host (imaps on 993).
func ParseServer(s string, allowPlaintext bool) (store.Server, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return store.Server{}, nil
	}
	scheme, rest, found := strings.Cut(s, "://")
	if !found {
		scheme, rest = "imaps", s
	}
	srv := store.Server{AllowPlaintext: allowPlaintext}
	defPort := 993
	switch strings.ToLower(scheme) {
	case "imaps":
		srv.Security = store.SecurityTLS
	case "imap+starttls", "starttls":
		srv.Security, defPort = store.SecuritySTARTTLS, 143
	case "imap":
		if !allowPlaintext {
			return srv, fmt.Errorf("%s would send the password unencrypted: use imaps:// or imap+starttls://, or allow plaintext for this server explicitly", s)
		}
		srv.Security, defPort = store.SecurityPlain, 143
	default:
		return srv, fmt.Errorf("unknown scheme %q in %s: use imaps://, imap+starttls:// or imap://", scheme, s)
	}
	rest = strings.TrimSuffix(rest, "/")
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		host, port = rest, strconv.Itoa(defPort)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return srv, fmt.Errorf("bad port %q in %s", port, s)
	}
	if host == "" || strings.ContainsAny(host, "/@ ") {
		return srv, fmt.Errorf("bad host name in %s", s)
	}
	srv.Host, srv.Port = host, n
	return srv, nil
}

// ServerURL writes a server back in the form ParseServer reads.
func ServerURL(s store.Server) string {
	if s.Host == "" {
		return ""
	}
	scheme := map[store.Security]string{store.SecurityTLS: "imaps", store.SecuritySTARTTLS: "imap+starttls", store.SecurityPlain: "imap"}[s.Security]
	if scheme == "" {
		scheme = "imaps"
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
}

func actorOr(a string) string {
	if strings.TrimSpace(a) == "" {
		return "unknown"
	}
	return strings.TrimSpace(a)
}

// ParseWhen reads a local date or date and time as people type them.
func ParseWhen(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use 2026-12-05 or 2026-12-05 18:00", s)
}
