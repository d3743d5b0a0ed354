package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

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

// MappingFor builds a mailbox's mapping from what the store knows: the
// newest source inventory (else the folders of the local store), the
// newest destination probe (else the project profile's assumption), and
// the saved mapping's overrides and kept names. notes say what had to be
// assumed. Nothing is saved.
func MappingFor(db *store.DB, projectID, mailboxID string) (m Mapping, notes []string, err error) {
	in, notes, err := mappingInput(db, projectID, mailboxID)
	if err != nil {
		return m, notes, err
	}
	return BuildMapping(in), notes, nil
}

func mappingInput(db *store.DB, projectID, mailboxID string) (in MapInput, notes []string, err error) {
	return mappingInputFrom(db, projectID, mailboxID, nil)
}

// mappingInputFrom is mappingInput with the source as listed: listed, when not
// nil, stands in for the newest kept inventory (a push beside the pull
// that just listed the source maps every folder of that listing).
func mappingInputFrom(db *store.DB, projectID, mailboxID string, listed *ServerInfo) (in MapInput, notes []string, err error) {
	p, err := db.Project(projectID)
	if err != nil {
		return in, nil, err
	}
	if in.Profile, err = ProfileByName(p.Profile); err != nil {
		return in, nil, err
	}
	src, ok, err := LatestInventory(db, projectID, SnapshotSourceInventory, mailboxID)
	if err != nil {
		return in, nil, err
	}
	if listed != nil {
		src, ok = *listed, true
	}
	stored, err := FoldersFromStore(db, store.BoxKey{ProjectID: projectID, MailboxID: store.MailboxID(mailboxID)})
	if err != nil {
		return in, nil, err
	}
	if ok {
		in.Source, in.Folders = SourceFoldersOf(src)
		listed := map[string]bool{}
		for _, f := range in.Folders {
			listed[f.Name] = true
		}
		for _, f := range stored { // pulled after the inventory was taken
			if !listed[f.Name] {
				in.Folders = append(in.Folders, f)
			}
		}
	} else {
		in.Folders = stored
		if len(in.Folders) == 0 {
			return in, nil, fmt.Errorf("no folders known for %s in project %s: take an inventory or pull it first", mailboxID, projectID)
		}
		// The last pull's listing knows the source's separator: without it
		// "Archive.2019" from a "." server was taken for one folder.
		if l, ok, _ := db.LastSourceListing(store.BoxKey{ProjectID: projectID, MailboxID: store.MailboxID(mailboxID)}); ok && l.Separator != "" {
			in.Source = Namespace{Separator: l.Separator, Prefix: l.Prefix}
			notes = append(notes, fmt.Sprintf("no source inventory kept: folders from the local store, separator %q and prefix %q from the last pull", in.Source.Separator, in.Source.Prefix))
		} else {
			in.Source = guessNamespace(in.Folders)
			notes = append(notes, fmt.Sprintf("no source inventory kept: folders from the local store, separator %q and prefix %q guessed", in.Source.Separator, in.Source.Prefix))
		}
	}
	dst, ok, err := LatestInventory(db, projectID, SnapshotDestInventory, mailboxID)
	if err != nil {
		return in, nil, err
	}
	if ok {
		in.Dest, in.DestFolders = SourceFoldersOf(dst)
	} else {
		notes = append(notes, fmt.Sprintf("destination not probed yet: assuming the %s profile's separator %q and prefix %q", in.Profile.Name, in.Profile.Separator, in.Profile.Prefix))
	}
	prev, ok, err := LoadMapping(db, projectID, mailboxID)
	if err != nil {
		return in, nil, err
	}
	if ok {
		in.Previous, in.Overrides = &prev, prev.Overrides
	}
	return in, notes, nil
}

// guessNamespace infers a source's namespace from folder names alone.
func guessNamespace(fs []SourceFolder) Namespace {
	dotted, slashed := false, false
	for _, f := range fs {
		dotted = dotted || len(f.Name) > 6 && strings.EqualFold(f.Name[:6], "INBOX.")
		slashed = slashed || strings.Contains(f.Name, "/")
	}
	if dotted && !slashed {
		return Namespace{Separator: ".", Prefix: "INBOX."}
	}
	return Namespace{Separator: "/"}
}

// SetFolderOverride records the user's choice for one source folder
// (o.To, o.Exclude, or neither for automatic), rebuilds the mailbox's
// mapping and saves it. It fails when the source has no such folder.
func SetFolderOverride(db *store.DB, projectID, mailboxID string, o Override) (FolderMap, Mapping, error) {
	in, _, err := mappingInput(db, projectID, mailboxID)
	if err != nil {
		return FolderMap{}, Mapping{}, err
	}
	found := false
	for _, f := range in.Folders {
		found = found || f.Name == o.Source
	}
	if !found {
		return FolderMap{}, Mapping{}, fmt.Errorf("%s has no folder %q on the source (names are exact; see mapping show)", mailboxID, o.Source)
	}
	cur := Mapping{Overrides: in.Overrides}
	cur.SetOverride(o)
	in.Overrides = cur.Overrides
	m := BuildMapping(in)
	if err := SaveMapping(db, projectID, mailboxID, m); err != nil {
		return FolderMap{}, m, err
	}
	f, _ := m.Lookup(o.Source)
	return f, m, nil
}
