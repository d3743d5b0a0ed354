package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

func sampleRecords() []MessageRecord {
	return []MessageRecord{
		{UIDValidity: 7, UID: 1, Hash: Hash{1, 2, 3}, Size: 1234, InternalDate: time.Date(2024, 3, 1, 10, 0, 0, 0, time.FixedZone("", 3600)),
			Flags: []string{`\Seen`, "$Label1", "Ünïcode keyword"}, MessageID: "<a@b>"},
		{UIDValidity: 1<<32 - 1, UID: 1<<32 - 1, Hash: Hash{0xff}, Size: 5 << 30, InternalDate: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{UIDValidity: 3, UID: 9, Size: 0, InternalDate: time.Date(2023, 12, 31, 23, 59, 59, 999, time.FixedZone("", -(5*3600+1800))), Flags: []string{""}},
	}
}

// Records keep every field through the binary shape: UIDs from the key,
// the date with its instant and its zone offset.
func TestRecordRoundTrip(t *testing.T) {
	for _, m := range sampleRecords() {
		v, err := m.encode()
		if err != nil || v[0] != codecRecordV2 {
			t.Fatalf("encode: %v (version %d)", err, v[0])
		}
		got, err := decodeRecord(msgKey(m.UIDValidity, m.UID), v)
		if err != nil {
			t.Fatal(err)
		}
		assertSameRecord(t, got, m)
	}
}

func assertSameRecord(t *testing.T, got, want MessageRecord) {
	t.Helper()
	_, gotOff := got.InternalDate.Zone()
	_, wantOff := want.InternalDate.Zone()
	if !got.InternalDate.Equal(want.InternalDate) || gotOff != wantOff {
		t.Errorf("date %v, want %v", got.InternalDate, want.InternalDate)
	}
	got.InternalDate, want.InternalDate = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// A store written before the binary shape holds JSON records (codecV1):
// they read as before, next to new ones.
func TestRecordReadsTheJSONShape(t *testing.T) {
	for _, m := range sampleRecords() {
		// As the JSON shape was written: the hash in hex, flags and
		// Message-ID left out when empty.
		shape := map[string]any{"h": m.Hash.String(), "s": m.Size, "d": m.InternalDate}
		if len(m.Flags) > 0 {
			shape["f"] = m.Flags
		}
		if m.MessageID != "" {
			shape["m"] = m.MessageID
		}
		legacy, err := json.Marshal(shape)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeRecord(msgKey(m.UIDValidity, m.UID), append([]byte{codecV1}, legacy...))
		if err != nil {
			t.Fatal(err)
		}
		assertSameRecord(t, got, m)
	}
	if _, err := decodeRecord(msgKey(1, 1), append([]byte{codecV1}, `{"h":"abc","s":1}`...)); err == nil {
		t.Error("a JSON record with a short hash was accepted")
	}
}

// Every truncation and a few corruptions of a record are refused with an
// error, never a panic or a huge allocation.
func TestRecordRefusesDamage(t *testing.T) {
	m := sampleRecords()[0]
	v, _ := m.encode()
	for n := 0; n < len(v); n++ {
		if _, err := decodeRecord(msgKey(1, 1), v[:n]); err == nil {
			t.Errorf("a record cut to %d of %d bytes was accepted", n, len(v))
		}
	}
	if _, err := decodeRecord(msgKey(1, 1), append(bytes.Clone(v), 0)); err == nil {
		t.Error("a record with a trailing byte was accepted")
	}
	huge := append([]byte{codecRecordV2}, make([]byte, 32)...)
	huge = binary.AppendUvarint(huge, 1)
	huge = binary.AppendVarint(huge, 0)
	huge = binary.AppendUvarint(huge, 0)
	huge = binary.AppendVarint(huge, 0)
	huge = binary.AppendUvarint(huge, 1<<60) // flags
	if _, err := decodeRecord(msgKey(1, 1), huge); err == nil {
		t.Error("a record claiming 2^60 flags was accepted")
	}
	if _, err := decodeRecord([]byte{1}, v); err == nil {
		t.Error("a short key was accepted")
	}
}

func FuzzRecordDecode(f *testing.F) {
	for _, m := range sampleRecords() {
		v, _ := m.encode()
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		m, err := decodeRecord(msgKey(1, 2), v)
		if err != nil || len(v) == 0 || v[0] != codecRecordV2 {
			return
		}
		again, err := m.encode()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := decodeRecord(msgKey(1, 2), again)
		if err != nil {
			t.Fatalf("a decoded record does not decode again: %v", err)
		}
		assertSameRecord(t, m2, m)
	})
}

// Common flags read back as the shared strings, others as their own
// copies, all with the right text; a flag field cut short is refused.
func TestRecordSharesCommonFlags(t *testing.T) {
	m := MessageRecord{UIDValidity: 1, UID: 2, Flags: []string{`\Seen`, "$Junk", `\Seenx`, "$label", `\seen`}}
	v, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRecord(msgKey(1, 2), v)
	if err != nil {
		t.Fatal(err)
	}
	assertSameRecord(t, got, m)
	if unsafe.StringData(got.Flags[0]) != unsafe.StringData(commonFlags[0]) || unsafe.StringData(got.Flags[1]) != unsafe.StringData(commonFlags[7]) {
		t.Error(`\Seen and $Junk were copied, not shared`)
	}
	for i := 0; i < len(v); i++ {
		if _, err := decodeRecord(msgKey(1, 2), v[:i]); err == nil {
			t.Errorf("a record cut to %d of %d bytes was accepted", i, len(v))
		}
	}
}
