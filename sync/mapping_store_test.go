package sync

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

func newStoreWithProject(t *testing.T, id string) *store.DB {
	t.Helper()
	return newStoreWithProfile(t, id, ProfileM365)
}

func newStoreWithProfile(t *testing.T, id, profile string) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.CreateProject(store.Project{Name: id, Profile: profile}); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestMappingSavedAndLoaded(t *testing.T) {
	db := newStoreWithProject(t, "acme")
	if _, ok, err := LoadMapping(db, "acme", "bob@acme.test"); ok || err != nil {
		t.Fatalf("before any save: ok=%v err=%v", ok, err)
	}
	m := BuildMapping(MapInput{Source: nsDot, Folders: tortureSource(nsDot), Profile: mustProfile(t, ProfileM365),
		Overrides: []Override{{Source: "INBOX.Files", Exclude: true}}})
	if err := SaveMapping(db, "acme", "Bob@Acme.test", m); err != nil {
		t.Fatal(err)
	}
	got, ok, err := LoadMapping(db, "acme", "bob@acme.test")
	if err != nil || !ok {
		t.Fatalf("load: ok=%v err=%v", ok, err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip changed the mapping:\n%+v\n%+v", got, m)
	}
	if f, _ := got.Lookup("INBOX.Files"); !f.Excluded {
		t.Fatalf("exclusion lost: %+v", f)
	}
	if ids, err := db.MappedMailboxes("acme"); err != nil || len(ids) != 1 || ids[0] != "bob@acme.test" {
		t.Fatalf("mapped mailboxes: %v %v", ids, err)
	}
	if err := SaveMapping(db, "nope", "bob@acme.test", m); err == nil {
		t.Fatal("saved into a project that does not exist")
	}
}

func TestLatestInventoryAndStoreFolders(t *testing.T) {
	db := newStoreWithProject(t, "acme")
	for i, n := range []int{1, 2} {
		info := ServerInfo{Separator: ".", Prefix: "INBOX.", Folders: make([]FolderInfo, n)}
		raw, _ := json.Marshal(info)
		if err := db.AddSnapshot("acme", SnapshotSourceInventory+"bob@acme.test", time.Unix(int64(100+i), 0), raw); err != nil {
			t.Fatal(err)
		}
	}
	info, ok, err := LatestInventory(db, "acme", SnapshotSourceInventory, "Bob@acme.test")
	if err != nil || !ok || len(info.Folders) != 2 || info.Prefix != "INBOX." {
		t.Fatalf("latest inventory: %+v ok=%v err=%v", info, ok, err)
	}
	box := store.BoxKey{ProjectID: "acme", MailboxID: "bob@acme.test"}
	for _, st := range []store.FolderState{{Name: "INBOX.Sent", SpecialUse: `\Sent`}, {Name: "INBOX"}} {
		if err := db.SaveFolderState(box, st); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := FoldersFromStore(db, box)
	if err != nil || len(fs) != 2 || fs[0].Name != "INBOX" || fs[1].Role != RoleSent {
		t.Fatalf("folders from store: %+v %v", fs, err)
	}
}

// A push after a pull with no inventory maps the folders with the
// separator the pull found on the source: "Archive.2019" on a server whose
// separator is "." (and no prefix) is Archive, then 2019. The names alone
// were taken for a "/" server, and the folder for one level named
// "Archive.2019".
func TestMappingWithoutInventoryUsesThePullsSeparator(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: "."})
	d.Load(t, testenv.DefaultUser, "Archive.2019", testenv.SimpleMessages(2, "dotted"))
	db := newStoreWithProfile(t, "p", ProfileGeneric)
	pullOnce(t, db, d, testenv.DefaultUser, nil)
	in, notes, err := mappingInputFrom(db, "p", testenv.DefaultUser, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in.Source != (Namespace{Separator: "."}) || !strings.Contains(strings.Join(notes, "; "), "from the last pull") {
		t.Fatalf("source namespace %+v, notes %q", in.Source, notes)
	}
	m := BuildMapping(in)
	if f, ok := m.Lookup("Archive.2019"); !ok || f.Dest != "Archive/2019" || f.Renamed() {
		t.Fatalf("Archive.2019 -> %+v (%v)", f, ok)
	}
}
