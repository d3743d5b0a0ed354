package pst

import (
	"fmt"
	"time"
	"unicode/utf16"
)

// contentsRow is what a folder's contents table shows of one message. Rows
// are kept in a temporary file until the folder's table is written (see
// rowFile).
type contentsRow struct {
	nid                     uint32
	flags, size             int32
	importance, sensitivity int32
	submit, delivery        time.Time
	subject, sender, to, cc string
}

func (r *contentsRow) props() []prop {
	return []prop{
		pI32(0x0017, r.importance), pStr(0x001A, "IPM.Note"), pI32(0x0036, r.sensitivity),
		pStr(0x0037, r.subject), pTime(0x0039, r.submit), pStr(0x0042, r.sender),
		pBool(0x0057, false), pBool(0x0058, false), pStr(0x0070, r.subject),
		pStr(0x0E03, r.cc), pStr(0x0E04, r.to), pTime(0x0E06, r.delivery),
		pI32(0x0E07, r.flags), pI32(0x0E08, r.size), pI32(0x0E17, 0), pTime(0x3008, r.delivery),
	}
}

func (r *contentsRow) encode() []byte {
	b := make([]byte, 4, 128)
	b = le.AppendUint32(b, r.nid)
	for _, v := range []int32{r.flags, r.size, r.importance, r.sensitivity} {
		b = le.AppendUint32(b, uint32(v))
	}
	b = le.AppendUint64(b, uint64(filetime(r.submit)))
	b = le.AppendUint64(b, uint64(filetime(r.delivery)))
	for _, s := range []string{r.subject, r.sender, r.to, r.cc} {
		b = le.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	le.PutUint32(b, uint32(len(b)))
	return b
}

func decodeRow(b []byte) (contentsRow, error) {
	var r contentsRow
	if len(b) < 40 {
		return r, fmt.Errorf("pst: short row record")
	}
	r.nid = le.Uint32(b[4:])
	r.flags, r.size = int32(le.Uint32(b[8:])), int32(le.Uint32(b[12:]))
	r.importance, r.sensitivity = int32(le.Uint32(b[16:])), int32(le.Uint32(b[20:]))
	r.submit = fromFiletime(int64(le.Uint64(b[24:])))
	r.delivery = fromFiletime(int64(le.Uint64(b[32:])))
	o := 40
	for _, s := range []*string{&r.subject, &r.sender, &r.to, &r.cc} {
		if o+4 > len(b) {
			return r, fmt.Errorf("pst: short row record")
		}
		n := int(le.Uint32(b[o:]))
		o += 4
		if o+n > len(b) {
			return r, fmt.Errorf("pst: short row record")
		}
		*s = string(b[o : o+n])
		o += n
	}
	return r, nil
}

func fromFiletime(ft int64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	return time.Unix(ft/10_000_000-11644473600, ft%10_000_000*100).UTC()
}

// addRow records a message's contents row for folder f.
func (p *part) addRow(f *partFolder, r *contentsRow) error {
	if r.flags&msgflagRead == 0 {
		f.unread++
	}
	return p.rows.add(&f.rows, r.encode())
}

var _ = utf16.Encode
