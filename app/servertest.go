package app

import (
	"context"
	"errors"
	"fmt"

	"mailshift/store"
	"mailshift/sync"
)

// ServerTest is what Setup's Test button shows about a project's server.
type ServerTest struct {
	Reach sync.Reachability
	// Untrusted is set when the certificate is not trusted (self-signed, or
	// for another name): Fingerprint is then the one to compare with the
	// host's and pin. PinChanged: a pinned certificate was replaced.
	Untrusted, PinChanged bool
	Fingerprint           string
	// Login is the first mailbox's login test (folders, capabilities after
	// login); LoginTested is false when the project has no mailbox yet.
	Login       sync.ServerInfo
	LoginTested bool
	LoginErr    error
}

// TestServer probes the old (dest=false) or new host of a project: the
// connection and certificate without a login, then, when the project has a
// mailbox, that mailbox's login and folders. Only a failure to connect at
// all is an error; a login failure is in LoginErr.
func (a *App) TestServer(ctx context.Context, projectID string, dest bool) (ServerTest, error) {
	p, err := a.Project(ctx, projectID)
	if err != nil {
		return ServerTest{}, err
	}
	srv, side := p.Source, "old"
	if dest {
		srv, side = p.Destination, "new"
	}
	if srv.Host == "" {
		return ServerTest{}, fmt.Errorf("the %s host is not set: type its address (e.g. imaps://mail.example.com) and save", side)
	}
	var t ServerTest
	t.Reach, err = sync.Reach(ctx, sync.Endpoint{Server: srv})
	var ce *sync.ConnError
	if errors.As(err, &ce) && (ce.Kind == sync.KindTLS || ce.Kind == sync.KindPinMismatch) {
		t.Untrusted, t.PinChanged, t.Fingerprint = ce.Kind == sync.KindTLS, ce.Kind == sync.KindPinMismatch, ce.Fingerprint
		return t, err
	}
	if err != nil {
		return t, err
	}
	t.Fingerprint = t.Reach.Fingerprint
	mbs, err := a.Mailboxes(ctx, projectID)
	if err != nil || len(mbs) == 0 {
		return t, err
	}
	t.LoginTested = true
	t.Login, t.LoginErr = a.TestConnection(ctx, projectID, mbs[0].ID, dest)
	return t, nil
}

// PinServer trusts exactly the certificate with this SHA-256 for the
// project's old or new host and logs who did it (a changed pin is the
// audit log's business too).
func (a *App) PinServer(ctx context.Context, projectID, actor string, dest bool, fingerprint string) (store.Project, error) {
	p, err := a.Project(ctx, projectID)
	if err != nil {
		return p, err
	}
	s := ProjectSettings{Domain: p.Domain, Source: p.Source, Destination: p.Destination, Profile: p.Profile, CutoverAt: p.CutoverAt}
	if dest {
		s.Destination.PinSHA256 = fingerprint
	} else {
		s.Source.PinSHA256 = fingerprint
	}
	return a.UpdateSettings(ctx, projectID, actor, s)
}
