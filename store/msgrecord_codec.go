package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"
)

// codecRecordV2 marks a MessageRecord in its binary shape. Records were
// JSON (codecV1); decoding them took 4 µs each, most of the time a delta
// without CONDSTORE spends comparing flags, and much of a push's planning.
// Both shapes are read; records are written in this one. A Mailshift older
// than this shape says its "value encoding version 2 is newer" and stops.
//
// Layout after the version byte: the SHA-256 (32 bytes); size (uvarint);
// INTERNALDATE as Unix seconds (varint), nanoseconds (uvarint) and its
// zone offset in seconds (varint); the flags (uvarint count, then each as
// uvarint length and bytes); the Message-ID (uvarint length and bytes).
const codecRecordV2 byte = 2

// maxRecordField bounds one length read from a record: a damaged value
// is refused, never allocated.
const maxRecordField = 1 << 20

var errDamagedRecord = errors.New("damaged message record")

func (m *MessageRecord) encode() ([]byte, error) {
	n := 1 + 32 + 3*binary.MaxVarintLen64 + binary.MaxVarintLen32 + len(m.MessageID) + 2
	for _, f := range m.Flags {
		n += len(f) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, codecRecordV2)
	b = append(b, m.Hash[:]...)
	b = binary.AppendUvarint(b, uint64(m.Size))
	_, off := m.InternalDate.Zone()
	b = binary.AppendVarint(b, m.InternalDate.Unix())
	b = binary.AppendUvarint(b, uint64(m.InternalDate.Nanosecond()))
	b = binary.AppendVarint(b, int64(off))
	b = binary.AppendUvarint(b, uint64(len(m.Flags)))
	for _, f := range m.Flags {
		b = appendField(b, f)
	}
	return appendField(b, m.MessageID), nil
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeRecord reads a record in either shape; k is its key (UIDVALIDITY,
// UID). Nothing of v is kept: v may be a bbolt slice valid only inside its
// transaction.
func decodeRecord(k, v []byte) (MessageRecord, error) {
	var m MessageRecord
	if len(k) != 8 {
		return m, errDamagedRecord
	}
	m.UIDValidity, m.UID = binary.BigEndian.Uint32(k), binary.BigEndian.Uint32(k[4:])
	if len(v) > 0 && v[0] == codecRecordV2 {
		return m, m.decodeV2(v[1:])
	}
	var old recordV1
	if err := decode(v, &old); err != nil {
		return m, err
	}
	b, err := hex.DecodeString(old.HashHex)
	if err != nil || len(b) != 32 {
		return m, errDamagedRecord
	}
	copy(m.Hash[:], b)
	m.Size, m.InternalDate, m.Flags, m.MessageID = old.Size, old.InternalDate, old.Flags, old.MessageID
	return m, nil
}

// recordV1 is the JSON shape of a message record (codecV1), read only:
// the hash in hex, the UIDs in the key. Records are no longer written in
// it; a store of an older Mailshift holds it.
type recordV1 struct {
	HashHex      string    `json:"h"`
	Size         int64     `json:"s"`
	InternalDate time.Time `json:"d"`
	Flags        []string  `json:"f,omitempty"`
	MessageID    string    `json:"m,omitempty"`
}

func (m *MessageRecord) decodeV2(v []byte) error {
	r := recordReader{b: v}
	if len(v) < 32 {
		return errDamagedRecord
	}
	copy(m.Hash[:], v[:32])
	r.b = v[32:]
	size := r.uvarint()
	sec, nsec, off := r.varint(), r.uvarint(), r.varint()
	if size > 1<<62 || nsec >= 1e9 || off < -86400 || off > 86400 {
		return errDamagedRecord
	}
	m.Size = int64(size)
	loc := time.UTC
	if off != 0 {
		loc = time.FixedZone("", int(off))
	}
	m.InternalDate = time.Unix(sec, int64(nsec)).In(loc)
	if nf := r.uvarint(); nf > 0 {
		if nf > uint64(len(r.b)) { // each flag takes at least its length byte
			return errDamagedRecord
		}
		m.Flags = make([]string, nf)
		for i := range m.Flags {
			m.Flags[i] = r.flag()
		}
	}
	m.MessageID = r.field()
	if r.bad || len(r.b) != 0 {
		return errDamagedRecord
	}
	return nil
}

// recordReader reads varints and length-prefixed fields; any read past
// the end or over maxRecordField sets bad and yields zeros from then on.
type recordReader struct {
	b   []byte
	bad bool
}

func (r *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// commonFlags are the flags most messages carry: a record read returns
// these strings rather than a copy of its bytes, so a folder's records in
// memory (a push's plan, a flag scan) share them.
var commonFlags = []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, "$Forwarded", "$MDNSent", "$Junk", "$NotJunk"}

// flag reads a field that is a flag, sharing the common ones.
func (r *recordReader) flag() string {
	b := r.fieldBytes()
	for _, f := range commonFlags {
		if string(b) == f { // compared without a copy
			return f
		}
	}
	return string(b)
}

func (r *recordReader) field() string { return string(r.fieldBytes()) }

// fieldBytes reads a length-prefixed field; the bytes are r's, not a copy.
func (r *recordReader) fieldBytes() []byte {
	n := r.uvarint()
	if n > maxRecordField || n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}
