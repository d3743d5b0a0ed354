package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func samplePushRecords() []PushRecord {
	return []PushRecord{
		{State: PushIntent, UIDValidity: 7, UIDNext: 1001, Size: 1234, MessageID: "<a@b>", SourceUID: 42,
			At: time.Date(2026, 12, 5, 9, 0, 0, 123456789, time.UTC)},
		{State: PushDone, UIDValidity: 1<<32 - 1, UIDNext: 1<<32 - 1, UID: 1<<32 - 1, Size: 5 << 30, SourceUID: 1<<32 - 1,
			At: time.Date(2024, 3, 1, 10, 0, 0, 0, time.FixedZone("", -(5*3600+1800)))},
		{State: PushFailed, Reason: "too_big", Text: "[TOOBIG] Mäßig groß: the server's words", Size: 40 << 20, MessageID: "<ü@example>"},
		{}, // every field zero, the time too
		{State: PushDone, UIDValidity: 9, UID: 3, Flags: []string{`\Seen`, "$Label1", `\Flagged`}, FlagsKnown: true},
		{State: PushDone, UIDValidity: 9, UID: 4, FlagsKnown: true}, // known to have no flags
	}
}

// Journal records keep every field through the binary shape, the time
// with its instant and its zone offset.
func TestPushRecordRoundTrip(t *testing.T) {
	for _, r := range samplePushRecords() {
		v := r.encode()
		if v[0] != codecPushV3 {
			t.Fatalf("version %d, want %d", v[0], codecPushV3)
		}
		got, err := decodePushRecord(v)
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		assertSamePushRecord(t, got, r)
	}
}

// A record written in the shape before flags were kept (version 2) reads
// with its fields and flags not known.
func TestPushRecordReadsVersion2(t *testing.T) {
	r := samplePushRecords()[0]
	v := r.encode()
	v2 := append([]byte{codecPushV2}, v[1:len(v)-1]...) // without the flags' count
	got, err := decodePushRecord(v2)
	if err != nil {
		t.Fatal(err)
	}
	assertSamePushRecord(t, got, r)
	if got.FlagsKnown || got.Flags != nil {
		t.Errorf("flags of a version-2 record: %q known %v", got.Flags, got.FlagsKnown)
	}
}

func assertSamePushRecord(t *testing.T, got, want PushRecord) {
	t.Helper()
	_, gotOff := got.At.Zone()
	_, wantOff := want.At.Zone()
	if !got.At.Equal(want.At) || gotOff != wantOff || got.At.IsZero() != want.At.IsZero() {
		t.Errorf("time %v, want %v", got.At, want.At)
	}
	got.At, want.At = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// A journal written before the binary shape holds JSON records (codecV1):
// they read as before, next to new ones, through the journal itself.
func TestPushJournalReadsTheJSONShape(t *testing.T) {
	db, p := journalDB(t)
	recs := samplePushRecords()
	keys := []PushKey{{Hash: Hash{1}}, {Hash: Hash{1}, Ordinal: 1}, {Hash: Hash{2}}, {Hash: Hash{3}}}
	newer := map[PushKey]PushRecord{keys[0]: recs[0], keys[1]: recs[1]}
	if err := db.RecordPush(p.ID, "alice@example.test", "INBOX", &PushFolder{UIDValidity: 7, UIDNext: 9}, newer); err != nil {
		t.Fatal(err)
	}
	// Two records as an older Mailshift wrote them.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := pushFolderBucket(tx, p.ID, "alice@example.test", "INBOX", false)
		if err != nil || b == nil {
			t.Fatalf("no journal bucket: %v", err)
		}
		for _, i := range []int{2, 3} {
			legacy, err := json.Marshal(recs[i])
			if err != nil {
				return err
			}
			if err := b.Put(keys[i].bytes(), append([]byte{codecV1}, legacy...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st, got, err := db.PushJournal(p.ID, "alice@example.test", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if st.UIDValidity != 7 || st.UIDNext != 9 || len(got) != 4 {
		t.Fatalf("state %+v, %d records, want 4", st, len(got))
	}
	for i, k := range keys {
		assertSamePushRecord(t, got[k], recs[i])
	}
}

// journalDB is a fresh store with one project to journal pushes in.
func journalDB(t *testing.T) (*DB, Project) {
	t.Helper()
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := db.CreateProject(Project{Name: "journal"})
	if err != nil {
		t.Fatal(err)
	}
	return db, p
}

func TestPushRecordRefusesDamage(t *testing.T) {
	v := samplePushRecords()[2].encode()
	for n := 0; n < len(v); n++ {
		if _, err := decodePushRecord(v[:n]); err == nil {
			t.Errorf("a record cut to %d of %d bytes was accepted", n, len(v))
		}
	}
	if _, err := decodePushRecord(append(bytes.Clone(v), 0)); err == nil {
		t.Error("a record with a trailing byte was accepted")
	}
	huge := []byte{codecPushV2}
	huge = binary.AppendUvarint(huge, 1<<60) // the state's length
	if _, err := decodePushRecord(huge); err == nil {
		t.Error("a record claiming a 2^60-byte state was accepted")
	}
	withUIDValidity := func(uv uint64) []byte {
		b := appendField([]byte{codecPushV2}, "done")
		b = binary.AppendUvarint(b, uv)
		for i := 0; i < 4; i++ {
			b = binary.AppendUvarint(b, 0)
		}
		b = appendField(appendField(appendField(b, ""), ""), "")
		return binary.AppendVarint(binary.AppendUvarint(binary.AppendVarint(b, 0), 0), 0)
	}
	if r, err := decodePushRecord(withUIDValidity(7)); err != nil || r.UIDValidity != 7 {
		t.Fatalf("a hand-made record: %+v %v", r, err)
	}
	if _, err := decodePushRecord(withUIDValidity(1 << 33)); err == nil {
		t.Error("a record with a 33-bit UIDVALIDITY was accepted")
	}
}

func FuzzPushRecordDecode(f *testing.F) {
	for _, r := range samplePushRecords() {
		f.Add(r.encode())
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decodePushRecord(v)
		if err != nil || len(v) == 0 || v[0] != codecPushV2 && v[0] != codecPushV3 {
			return
		}
		again, err := decodePushRecord(r.encode())
		if err != nil {
			t.Fatalf("a decoded record does not decode again: %v", err)
		}
		assertSamePushRecord(t, again, r)
	})
}

// A push reads its folder's state and the records of the keys it works on,
// not the whole journal: keys without a record are left out, and a folder
// never pushed to has neither.
func TestPushRecordsByKey(t *testing.T) {
	db, p := journalDB(t)
	recs := samplePushRecords()
	a, b, none := PushKey{Hash: Hash{1}}, PushKey{Hash: Hash{1}, Ordinal: 1}, PushKey{Hash: Hash{9}}
	if err := db.RecordPush(p.ID, "alice@example.test", "INBOX", &PushFolder{UIDValidity: 7, UIDNext: 9, Wanted: 2}, map[PushKey]PushRecord{a: recs[0], b: recs[1]}); err != nil {
		t.Fatal(err)
	}
	got, err := db.PushRecords(p.ID, "alice@example.test", "INBOX", []PushKey{b, none})
	if err != nil || len(got) != 1 {
		t.Fatalf("%d records, %v; want b's only", len(got), err)
	}
	assertSamePushRecord(t, got[b], recs[1])
	st, err := db.PushFolderState(p.ID, "alice@example.test", "INBOX")
	if err != nil || st.UIDValidity != 7 || st.UIDNext != 9 || st.Wanted != 2 {
		t.Fatalf("state %+v, %v", st, err)
	}
	got, err = db.PushRecords(p.ID, "alice@example.test", "Never", []PushKey{a})
	st, err2 := db.PushFolderState(p.ID, "alice@example.test", "Never")
	if err != nil || err2 != nil || len(got) != 0 || st != (PushFolder{}) {
		t.Fatalf("a folder never pushed to: %d records, state %+v, %v %v", len(got), st, err, err2)
	}
}
