package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"mailshift/internal/demo"
	"mailshift/store"
)

// DemoProjectID is the demo project's ID.
const DemoProjectID = "demo-company"

// StartDemo starts the demo's two in-process IMAP servers and creates (or
// re-points, since ports change per run) the demo project at them. The demo
// passwords live only in memory for this run. The servers stop with ctx or
// the returned stop function.
func (a *App) StartDemo(ctx context.Context) (store.Project, func(), error) {
	d, err := demo.Start(ctx)
	if err != nil {
		return store.Project{}, nil, err
	}
	stop := func() { d.Close() }
	p, err := a.ensureDemoProject(ctx, d)
	if err != nil {
		stop()
		return p, nil, err
	}
	a.demoMu.Lock()
	a.demoPasswords = d.Passwords
	a.demoMu.Unlock()
	return p, stop, nil
}

func loopbackServer(addr string) store.Server {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	// Plaintext is acceptable only because the demo servers listen on
	// loopback with throwaway passwords; real servers never get this.
	return store.Server{Host: host, Port: n, Security: store.SecurityPlain, AllowPlaintext: true, MaxConnections: 4}
}

func (a *App) ensureDemoProject(ctx context.Context, d *demo.Demo) (store.Project, error) {
	p, err := a.db.Project(DemoProjectID)
	if errors.Is(err, store.ErrNotFound) {
		p, err = a.CreateProject(ctx, NewProject{
			Name: "Demo Company", Domain: demo.Domain, Profile: "m365", Actor: "mailshift",
			CutoverAt: a.now().Add(7 * 24 * time.Hour).Truncate(time.Hour),
		})
		if err == nil && p.ID != DemoProjectID {
			err = fmt.Errorf("demo project got ID %q", p.ID)
		}
	}
	if err != nil {
		return p, fmt.Errorf("set up the demo project: %w", err)
	}
	p.Demo = true
	p.Source, p.Destination = loopbackServer(d.Old.Addr), loopbackServer(d.New.Addr)
	if err := a.db.UpdateProject(p); err != nil {
		return p, err
	}
	have, err := a.db.Mailboxes(p.ID)
	if err != nil {
		return p, err
	}
	if len(have) == 0 {
		var mbs []store.NewMailbox
		for _, u := range demo.Users {
			mbs = append(mbs, store.NewMailbox{Mailbox: store.Mailbox{Email: u, SourceLogin: u, DestLogin: u}})
		}
		if err := a.db.AddMailboxes(p.ID, mbs); err != nil {
			return p, err
		}
	}
	a.Events.Publish(ProjectChanged{ProjectID: p.ID})
	return p, nil
}

// Password returns a mailbox's password for one side ("source" or
// "dest"): from the running demo for the demo's own mailboxes, else
// unsealed from the store (which needs UnlockSecrets first).
func (a *App) Password(ctx context.Context, p store.Project, mailboxID string, dest bool) ([]byte, error) {
	if p.Demo {
		a.demoMu.Lock()
		pw, ok := a.demoPasswords[mailboxID]
		running := a.demoPasswords != nil
		a.demoMu.Unlock()
		if ok {
			return []byte(pw), nil
		}
		if !running {
			return nil, errors.New("the demo servers are not running: start Mailshift with --demo")
		}
		// A mailbox the user added to the demo has its own saved password.
	}
	name := store.SourceSecret(mailboxID)
	if dest {
		name = store.DestSecret(mailboxID)
	}
	return a.db.Secret(p.ID, name)
}
