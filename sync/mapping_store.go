package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"mailshift/store"
)

// SaveMapping persists a mailbox's mapping in the project.
func SaveMapping(db *store.DB, projectID, mailboxID string, m Mapping) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode the folder mapping of %s: %w", mailboxID, err)
	}
	return db.SaveMapping(projectID, mailboxID, raw)
}

// LoadMapping returns a mailbox's saved mapping; ok is false when none was
// saved yet.
func LoadMapping(db *store.DB, projectID, mailboxID string) (m Mapping, ok bool, err error) {
	raw, err := db.LoadMapping(projectID, mailboxID)
	if errors.Is(err, store.ErrNotFound) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, false, fmt.Errorf("read the folder mapping of %s: %w", mailboxID, err)
	}
	if m.Version != 1 {
		return m, false, fmt.Errorf("the folder mapping of %s has version %d, newer than this Mailshift understands", mailboxID, m.Version)
	}
	return m, true, nil
}

// Snapshot kinds under which server inventories are kept per mailbox.
const (
	SnapshotSourceInventory = "inventory:"      // + mailbox ID: the source ServerInfo (JSON)
	SnapshotDestInventory   = "dest-inventory:" // + mailbox ID: the destination's probe (JSON)
)

// LatestInventory returns the newest inventory of a mailbox kept under
// kind (SnapshotSourceInventory or SnapshotDestInventory); ok is false
// when there is none.
func LatestInventory(db *store.DB, projectID, kind, mailboxID string) (info ServerInfo, ok bool, err error) {
	snaps, err := db.Snapshots(projectID, kind+store.MailboxID(mailboxID))
	if err != nil || len(snaps) == 0 {
		return info, false, err
	}
	if err := json.Unmarshal(snaps[len(snaps)-1].Data, &info); err != nil {
		return info, false, fmt.Errorf("read the inventory of %s: %w", mailboxID, err)
	}
	return info, true, nil
}

// FoldersFromStore is the folder list of a mailbox as the local store
// knows it (used when no inventory was kept): names and special uses.
func FoldersFromStore(db *store.DB, box store.BoxKey) ([]SourceFolder, error) {
	states, err := db.FolderStates(box)
	if err != nil {
		return nil, err
	}
	var out []SourceFolder
	for name, st := range states {
		out = append(out, SourceFolder{Name: name, Role: Role(st.SpecialUse)})
	}
	sort.Slice(out, func(i, j int) bool { return folderLess(out[i].Name, out[j].Name) })
	return out, nil
}
