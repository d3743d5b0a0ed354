package store

import (
	"encoding/binary"
	"errors"
	"time"
)

// codecPushV2 marks a PushRecord in its binary shape. Journal records
// were JSON (codecV1): a push writes every message's record twice (its
// intent before sending, its outcome after), and encoding them was a
// sixth of a push's own CPU. A Mailshift older than a shape says its
// "value encoding version N is newer" and stops, as for message records.
//
// Layout after the version byte: the state (a length-prefixed field, so a
// state added later needs no new shape); UIDVALIDITY, UIDNEXT, UID, size
// and source UID (uvarints); the Message-ID, reason code and the server's
// text (fields); the time as Unix seconds (varint), nanoseconds (uvarint)
// and its zone offset in seconds (varint).
const codecPushV2 byte = 2

// codecPushV3 is codecPushV2's layout followed by the flags last applied
// to the destination: a uvarint, 0 when they are not known, else one more
// than their count, then each flag as a field. Every shape is read;
// records are written in this one.
const codecPushV3 byte = 3

var errDamagedPushRecord = errors.New("damaged push journal record")

func (r *PushRecord) encode() []byte {
	n := 1 + len(r.State) + len(r.MessageID) + len(r.Reason) + len(r.Text) + 4*2 + 9*binary.MaxVarintLen64
	for _, f := range r.Flags {
		n += len(f) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, codecPushV3)
	b = appendField(b, string(r.State))
	for _, n := range []uint64{uint64(r.UIDValidity), uint64(r.UIDNext), uint64(r.UID), uint64(r.Size), uint64(r.SourceUID)} {
		b = binary.AppendUvarint(b, n)
	}
	b = appendField(b, r.MessageID)
	b = appendField(b, r.Reason)
	b = appendField(b, r.Text)
	_, off := r.At.Zone()
	b = binary.AppendVarint(b, r.At.Unix())
	b = binary.AppendUvarint(b, uint64(r.At.Nanosecond()))
	b = binary.AppendVarint(b, int64(off))
	if !r.FlagsKnown {
		return binary.AppendUvarint(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Flags))+1)
	for _, f := range r.Flags {
		b = appendField(b, f)
	}
	return b
}

// decodePushRecord reads a journal record in either shape. Nothing of v
// is kept: v may be a bbolt slice valid only inside its transaction.
func decodePushRecord(v []byte) (PushRecord, error) {
	var r PushRecord
	if len(v) == 0 || v[0] != codecPushV2 && v[0] != codecPushV3 {
		return r, decode(v, &r)
	}
	rd := recordReader{b: v[1:]}
	r.State = PushState(rd.field())
	var n [5]uint64
	for i := range n {
		n[i] = rd.uvarint()
	}
	if n[0] > 1<<32-1 || n[1] > 1<<32-1 || n[2] > 1<<32-1 || n[3] > 1<<62 || n[4] > 1<<32-1 {
		return PushRecord{}, errDamagedPushRecord
	}
	r.UIDValidity, r.UIDNext, r.UID, r.Size, r.SourceUID = uint32(n[0]), uint32(n[1]), uint32(n[2]), int64(n[3]), uint32(n[4])
	r.MessageID, r.Reason, r.Text = rd.field(), rd.field(), rd.field()
	sec, nsec, off := rd.varint(), rd.uvarint(), rd.varint()
	if v[0] == codecPushV3 {
		if nf := rd.uvarint(); nf > 0 {
			if nf-1 > uint64(len(rd.b)) { // each flag takes at least its length byte
				return PushRecord{}, errDamagedPushRecord
			}
			r.FlagsKnown = true
			for i := uint64(1); i < nf; i++ {
				r.Flags = append(r.Flags, rd.flag())
			}
		}
	}
	if rd.bad || len(rd.b) != 0 || nsec >= 1e9 || off < -86400 || off > 86400 {
		return PushRecord{}, errDamagedPushRecord
	}
	loc := time.UTC
	if off != 0 {
		loc = time.FixedZone("", int(off))
	}
	r.At = time.Unix(sec, int64(nsec)).In(loc)
	return r, nil
}
