package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mailshift/store"
	"mailshift/sync"
)

// A mailbox the user adds to the running demo uses its own saved password
// (here a wrong one: the server says so), while the demo's own mailboxes
// keep the demo's in-memory passwords.
func TestDemoMailboxAddedByTheUserUsesItsSavedPassword(t *testing.T) {
	a := newTestApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	mbs, _ := a.Mailboxes(ctx, p.ID)
	if _, err := a.TestConnection(ctx, p.ID, mbs[0].ID, false); err != nil {
		t.Fatalf("the demo's own mailbox: %v", err)
	}
	if err := a.AddMailbox(ctx, p.ID, "Tess", store.NewMailbox{Mailbox: store.Mailbox{Email: "extra@demo-company.test", SourceLogin: mbs[0].SourceLogin},
		SourcePassword: []byte("not-the-password")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.TestConnection(ctx, p.ID, "extra@demo-company.test", false)
	var ce *sync.ConnError
	if !errors.As(err, &ce) || ce.Kind != sync.KindAuth || strings.Contains(err.Error(), "not-the-password") {
		t.Fatalf("added mailbox: %v", err)
	}
}
