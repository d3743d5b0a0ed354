package app

import (
	"context"
	"fmt"

	"mailshift/store"
	"mailshift/sync"
)

// MailboxCounts is where one mailbox's messages stand, from the store:
// the source as the last pull saw it, the local copy, and what the push
// journal confirms on the new host. The migration dashboard refreshes it
// while jobs run (job progress events are project-wide).
type MailboxCounts struct {
	Mailbox                 string
	Status                  store.MailboxStatus
	SourceMessages, Local   int
	SourceBytes, LocalBytes int64
	// SourceComplete: SourceMessages covers every folder of the source
	// (an inventory was taken, or a pull went through every folder).
	// Otherwise it counts only the folders a running pull reached so far.
	SourceComplete bool
	Pushed         int // confirmed on the new host
	PushedBytes    int64
	Failed         int // refused, over a limit or unconfirmed in the journal
	Excluded       int // stored messages of folders the user excluded: never pushed
}

// MailboxCounts returns every mailbox's counts, in the project's order.
func (a *App) MailboxCounts(ctx context.Context, projectID string) ([]MailboxCounts, error) {
	mbs, err := a.db.Mailboxes(projectID)
	if err != nil {
		return nil, fmt.Errorf("count the messages of %s: %w", projectID, err)
	}
	out := make([]MailboxCounts, 0, len(mbs))
	for _, m := range mbs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := MailboxCounts{Mailbox: m.ID, Status: m.Status}
		box := store.BoxKey{ProjectID: projectID, MailboxID: m.ID}
		states, err := a.db.FolderStates(box)
		if err != nil {
			return nil, fmt.Errorf("count the stored messages of %s: %w", m.ID, err)
		}
		excluded := map[string]bool{}
		if mp, _, err := sync.MappingFor(a.db, projectID, m.ID); err == nil {
			for _, f := range mp.Folders {
				excluded[f.Source] = f.Excluded
			}
		}
		if err := a.countSource(box, m.Status, states, excluded, &c); err != nil {
			return nil, err
		}
		dests, err := a.db.PushedFolders(projectID, m.ID)
		if err != nil {
			return nil, fmt.Errorf("read the push journal of %s: %w", m.ID, err)
		}
		for _, dest := range dests {
			_, err := a.db.ForEachPush(projectID, m.ID, dest, func(_ store.PushKey, r store.PushRecord) error {
				if r.State == store.PushDone {
					c.Pushed++
					c.PushedBytes += r.Size
				} else {
					c.Failed++
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("read the push journal of %s: %w", m.ID, err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// countSource fills c's source and local counts. A folder a pull finished
// counts as the source showed it then; one never finished counts as the
// latest inventory showed it, or, without one, as what is stored so far
// (and the total is then not complete).
func (a *App) countSource(box store.BoxKey, status store.MailboxStatus, states map[string]store.FolderState, excluded map[string]bool, c *MailboxCounts) error {
	inv, hasInv, err := sync.LatestInventory(a.db, box.ProjectID, sync.SnapshotSourceInventory, box.MailboxID)
	if err != nil {
		return err
	}
	snap := map[string]sync.FolderInfo{}
	for _, f := range inv.Folders {
		if !f.NoSelect {
			snap[f.Name] = f
		}
	}
	c.SourceComplete = hasInv || status == store.MailboxPulled || status == store.MailboxPushed || status == store.MailboxVerified
	for name, st := range states {
		n, bytes := 0, int64(0)
		err := a.db.ForEachMessage(box, name, st.UIDValidity, func(r store.MessageRecord) error {
			n++
			bytes += r.Size
			return nil
		})
		if err != nil {
			return fmt.Errorf("count the stored messages of %s: %w", box.MailboxID, err)
		}
		c.Local += n
		c.LocalBytes += bytes
		if excluded[name] {
			c.Excluded += n
		}
		f, inSnap := snap[name]
		delete(snap, name)
		switch {
		case !st.PulledAt.IsZero():
			c.SourceMessages += st.Inventory.Messages
			c.SourceBytes += st.Inventory.Bytes
		case inSnap:
			c.SourceMessages += f.Messages
			c.SourceBytes += f.Bytes
		default:
			c.SourceMessages += n
			c.SourceBytes += bytes
			c.SourceComplete = false
		}
	}
	for _, f := range snap {
		c.SourceMessages += f.Messages
		c.SourceBytes += f.Bytes
	}
	return nil
}
