package cli

import (
	"strings"

	"mailshift/store"
)

// loginSide says which login a command's user name is.
type loginSide int

const (
	sourceLogin loginSide = iota
	destLogin
)

// mailboxKey is the store key of the mailbox a command names, the same key
// the app (GUI) uses: the store.Mailbox ID (the lower-cased address) of the
// project's mailbox whose address, ID or login on that side is name. Only
// when the project lists no such mailbox (a pull by URL, a project used
// from the CLI alone) is the key the lower-cased name itself, which is what
// store.MailboxID gives for an address too. So `inventory --user ann`, a
// pull, a push and the GUI all file mailbox "ann@acme.test" under one key.
func mailboxKey(db *store.DB, project, name string, side loginSide) store.BoxKey {
	key := store.BoxKey{ProjectID: project, MailboxID: store.MailboxID(name)}
	mbs, err := db.Mailboxes(project)
	if err != nil {
		return key // no such project: a store namespace of its own
	}
	for _, m := range mbs {
		if m.ID == key.MailboxID {
			return key
		}
	}
	for _, m := range mbs {
		login := m.SourceLogin
		if side == destLogin {
			login = m.DestLogin
			if login == "" {
				login = m.Email
			}
		}
		if strings.EqualFold(strings.TrimSpace(login), strings.TrimSpace(name)) {
			return store.BoxKey{ProjectID: project, MailboxID: m.ID}
		}
	}
	return key
}
