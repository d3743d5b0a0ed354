package app

import (
	"context"
	"fmt"
	"strings"

	"mailshift/store"
)

// MailboxEdit is a change to one mailbox's logins; a nil password keeps
// the saved one (the form never shows a saved password).
type MailboxEdit struct {
	SourceLogin, DestLogin       string
	SourcePassword, DestPassword []byte
}

// EditMailbox changes a mailbox's logins and passwords (sealed like the
// others; saved passwords must be unlocked) and logs what changed, never a
// password. A mailbox whose login changed must be tested again: a failed
// or passed login test no longer stands.
func (a *App) EditMailbox(ctx context.Context, projectID, actor, mailboxID string, e MailboxEdit) (store.Mailbox, error) {
	_, m, err := a.mailbox(projectID, mailboxID)
	if err != nil {
		return m, err
	}
	e.SourceLogin, e.DestLogin = strings.TrimSpace(e.SourceLogin), strings.TrimSpace(e.DestLogin)
	if e.SourceLogin == "" {
		return m, fmt.Errorf("the old host login of %s is empty: give the name it logs in with (often the address)", m.Email)
	}
	if (e.SourcePassword != nil || e.DestPassword != nil) && !a.db.SecretsUnlocked() {
		return m, fmt.Errorf("saved passwords are locked: unlock them (keychain or passphrase) before changing one")
	}
	var changed []string
	if e.SourceLogin != m.SourceLogin {
		changed = append(changed, "old host login "+m.SourceLogin+" → "+e.SourceLogin)
	}
	if e.DestLogin != m.DestLogin {
		changed = append(changed, "new host login "+orNone(m.DestLogin)+" → "+orNone(e.DestLogin))
	}
	for _, p := range []struct {
		pw   []byte
		name string
		what string
	}{{e.SourcePassword, store.SourceSecret(m.ID), "old host password changed"}, {e.DestPassword, store.DestSecret(m.ID), "new host password changed"}} {
		if p.pw == nil {
			continue
		}
		if err := a.db.SetSecret(projectID, p.name, p.pw); err != nil {
			return m, fmt.Errorf("save the password of %s: %w", m.Email, err)
		}
		changed = append(changed, p.what)
	}
	if len(changed) == 0 {
		return m, nil
	}
	m.SourceLogin, m.DestLogin = e.SourceLogin, e.DestLogin
	if m.Status == store.MailboxTested || m.Status == store.MailboxLoginFail {
		m.Status = store.MailboxNew
	}
	if err := a.db.UpdateMailbox(projectID, m); err != nil {
		return m, err
	}
	a.db.AppendAudit(projectID, store.AuditRecord{At: a.now(), Actor: actorOr(actor), Kind: "mailbox.edited", Subject: m.ID, Detail: strings.Join(changed, "; ")})
	a.Events.Publish(MailboxesChanged{ProjectID: projectID})
	return m, nil
}
