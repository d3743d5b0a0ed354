package pst

import (
	"time"
	"unicode/utf16"
)

// Property types.
const (
	ptI32   = 0x0003
	ptBool  = 0x000B
	ptObj   = 0x000D
	ptI64   = 0x0014
	ptUni   = 0x001F
	ptTime  = 0x0040
	ptBin   = 0x0102
	ptMVI32 = 0x1003
	ptMVUni = 0x101F
)

// prop is one property value to store in a PC or a TC row.
type prop struct {
	id, typ uint16
	inline  uint32 // i32 / bool
	data    []byte // every other type, encoded
	hnid    uint32 // a value already written as a subnode (preset)
	preset  bool
}

func fixedSize(typ uint16) int {
	switch typ {
	case ptI32:
		return 4
	case ptBool:
		return 1
	case ptI64, ptTime:
		return 8
	}
	return 0
}

func pI32(id uint16, v int32) prop { return prop{id: id, typ: ptI32, inline: uint32(v)} }
func pBool(id uint16, v bool) prop {
	p := prop{id: id, typ: ptBool}
	if v {
		p.inline = 1
	}
	return p
}
func pI64(id uint16, v int64) prop {
	return prop{id: id, typ: ptI64, data: le.AppendUint64(nil, uint64(v))}
}
func pTime(id uint16, t time.Time) prop {
	return prop{id: id, typ: ptTime, data: le.AppendUint64(nil, uint64(filetime(t)))}
}
func pStr(id uint16, s string) prop { return prop{id: id, typ: ptUni, data: utf16le(s)} }
func pBin(id uint16, b []byte) prop { return prop{id: id, typ: ptBin, data: b} }
func pMVStr(id uint16, ss []string) prop {
	b := le.AppendUint32(nil, uint32(len(ss)))
	off := 4 + 4*len(ss)
	var body []byte
	for _, s := range ss {
		b = le.AppendUint32(b, uint32(off+len(body)))
		body = append(body, utf16le(s)...)
	}
	return prop{id: id, typ: ptMVUni, data: append(b, body...)}
}

// filetime converts t to 100 ns ticks since 1601-01-01 UTC.
func filetime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return (t.Unix()+11644473600)*10_000_000 + int64(t.Nanosecond()/100)
}

// utf16le encodes s as UTF-16LE without a terminator.
func utf16le(s string) []byte {
	if k := asciiRun([]byte(s)); k == len(s) { // the usual case, no rune decoding
		return widenASCII(make([]byte, 0, 2*len(s)), []byte(s))
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		le.PutUint16(b[2*i:], c)
	}
	return b
}
