package pst

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// value is a property value that is either small enough to live in a heap
// (data) or is big: streamed into a data tree (bid), or kept in chunks
// until valueStore.materialize writes it.
type value struct {
	data   []byte
	chunks [][]byte // a big value not yet written (see valueStore)
	bid    uint64
	size   int64
	big    bool
}

// attachment is one attachment of a message model: a file (data) or, for
// a message/rfc822 part, an embedded message (embedded, rawSize bytes).
type attachment struct {
	filename, mimeType, contentID string
	inline                        bool
	data                          *value // nil for an embedded message
	embedded                      *message
	rawSize                       int64
}

type recipient struct {
	kind       int32 // 1 To, 2 Cc, 3 Bcc
	name, addr string
}

// message is the model a MIME message is mapped to (see mime.go).
type message struct {
	subject                    string
	fromName, fromAddr         string
	senderName, senderAddr     string
	recipients                 []recipient
	headers                    string
	body, html                 *value
	messageID, inReplyTo, refs string
	submit                     time.Time
	importance, sensitivity    int32
	attachments                []attachment
	keywords                   []string
}

// valueProp returns a property for v, registering a subnode in subs when
// the value was streamed.
func valueProp(id, typ uint16, v *value, subs *subnodes) prop {
	if !v.big {
		return prop{id: id, typ: typ, data: v.data}
	}
	nid := subs.newValueNID()
	subs.add(nid, v.bid, 0)
	return prop{id: id, typ: typ, hnid: nid, preset: true}
}

func flagSet(flags []string, name string) bool {
	for _, f := range flags {
		if strings.EqualFold(f, name) {
			return true
		}
	}
	return false
}

func displayList(rs []recipient, kind int32) string {
	var names []string
	for _, r := range rs {
		if r.kind == kind {
			n := r.name
			if n == "" {
				n = r.addr
			}
			names = append(names, n)
		}
	}
	return strings.Join(names, "; ")
}

// writeMessage writes the message node of m into folder f; values must
// already be written (streamed) where big.
func (p *part) writeMessage(f *partFolder, m *message, meta MessageMeta) error {
	pcBid, subBid, row, err := p.buildMessage(m, meta)
	if err != nil {
		return err
	}
	row.nid = p.nextMsg<<5 | 0x04
	var e [32]byte
	if err := p.msgNBT.add(nbtEntry{row.nid, pcBid, subBid, f.nid}.bytes(e[:])); err != nil {
		return err
	}
	p.nextMsg++
	p.msgs++
	p.estimate += 300 + 2*int64(len(row.subject)+len(row.sender)+len(row.to)+len(row.cc))
	return p.addRow(f, &row)
}

// buildMessage writes the blocks of a message object (its PC, recipient
// and attachment tables, attachment PCs and embedded messages) and returns
// the PC's BID, the subnode tree's BID and its contents-table row (nid
// unset). It is used for folder messages and for embedded ones alike.
func (p *part) buildMessage(m *message, meta MessageMeta) (pcBid, subBid uint64, row contentsRow, err error) {
	d := p.d
	before := d.dataBytes
	subs := newSubnodes(d)
	if err = p.writeAttachments(m, subs); err != nil {
		return 0, 0, row, err
	}
	// Recipients.
	var rIDs []uint32
	var rRows [][]prop
	for i, r := range m.recipients {
		rIDs = append(rIDs, uint32(i+1))
		rRows = append(rRows, []prop{pI32(0x0C15, r.kind), pBool(0x0E0F, true), pI32(0x0FFE, 6),
			pStr(0x3001, r.name), pStr(0x3002, "SMTP"), pStr(0x3003, r.addr),
			pBin(0x300B, searchKey(r.addr)), pI32(0x3900, 0), pStr(0x39FF, r.name), pBool(0x3A40, false)})
	}
	rsubs := newSubnodes(d)
	bid, err := writeTC(d, recipCols, rRows, rIDs, rsubs)
	if err != nil {
		return 0, 0, row, err
	}
	sub, err := rsubs.finish()
	if err != nil {
		return 0, 0, row, err
	}
	subs.add(nidRecipTable, bid, sub)

	// The message PC.
	flags := int32(0)
	if flagSet(meta.Flags, `\Seen`) {
		flags |= msgflagRead
	}
	if flagSet(meta.Flags, `\Draft`) {
		flags |= msgflagUnsent
	}
	if len(m.attachments) > 0 {
		flags |= msgflagHasAttach
	}
	delivery := meta.InternalDate
	if delivery.IsZero() {
		delivery = m.submit
	}
	row = contentsRow{
		flags: flags, importance: m.importance, sensitivity: m.sensitivity,
		submit: m.submit, delivery: delivery, subject: m.subject, sender: firstNonEmpty(m.fromName, m.fromAddr),
		to: displayList(m.recipients, 1), cc: displayList(m.recipients, 2),
	}
	sk := make([]byte, 16)
	if _, err = io.ReadFull(p.random, sk); err != nil {
		return 0, 0, row, fmt.Errorf("search key: %w", err)
	}
	// Room for every property below, so appending never regrows.
	props := append(make([]prop, 0, 40),
		pStr(0x001A, "IPM.Note"), pStr(0x0037, m.subject), pStr(0x0E1D, m.subject), pStr(0x0070, m.subject),
		pI32(0x0017, m.importance), pI32(0x0036, m.sensitivity),
		pTime(0x0E06, delivery), pTime(0x3007, delivery), pTime(0x3008, delivery),
		pI32(0x0E07, flags), pI32(0x0E17, 0), pBin(0x300B, sk),
		pStr(0x0042, row.sender), pStr(0x0065, m.fromAddr), pStr(0x0064, "SMTP"),
		pStr(0x0C1A, firstNonEmpty(m.senderName, m.senderAddr, row.sender)), pStr(0x0C1F, firstNonEmpty(m.senderAddr, m.fromAddr)),
		pStr(0x0C1E, "SMTP"),
		pStr(0x0E04, row.to), pStr(0x0E03, row.cc), pStr(0x0E02, displayList(m.recipients, 3)),
		pStr(0x007D, m.headers), pI32(0x3FDE, 65001),
	)
	if !m.submit.IsZero() {
		props = append(props, pTime(0x0039, m.submit))
	}
	if m.messageID != "" {
		props = append(props, pStr(0x1035, m.messageID))
	}
	if m.inReplyTo != "" {
		props = append(props, pStr(0x1042, m.inReplyTo))
	}
	if m.refs != "" {
		props = append(props, pStr(0x1039, m.refs))
	}
	if m.body != nil {
		props = append(props, valueProp(0x1000, ptUni, m.body, subs))
	}
	if m.html != nil {
		props = append(props, valueProp(0x1013, ptBin, m.html, subs))
	}
	if flagSet(meta.Flags, `\Flagged`) {
		props = append(props, pI32(0x1090, 2), pI32(0x1095, 6))
	}
	if flagSet(meta.Flags, `\Answered`) {
		props = append(props, pI32(0x1080, 0x105), pI32(0x1081, 102))
	}
	if len(m.keywords) > 0 {
		props = append(props, pMVStr(npidKeywords, m.keywords))
	}
	// PidTagMessageSize: the data of every subnode so far plus the PC's own
	// values (the PC's heap overhead is not known yet and is estimated).
	size := d.dataBytes - before
	for _, pr := range props {
		if !pr.preset {
			size += int64(len(pr.data)) + 8
		}
	}
	size += 64
	row.size = int32(min(size, 0x7FFFFFFF))
	props = append(props, pI32(0x0E08, row.size))
	if pcBid, _, err = writePC(d, props, subs); err != nil {
		return 0, 0, row, err
	}
	if subBid, err = subs.finish(); err != nil {
		return 0, 0, row, err
	}
	return pcBid, subBid, row, nil
}

// searchKey is "SMTP:ADDR\0" as PidTagSearchKey wants it.
func searchKey(addr string) []byte {
	return append([]byte("SMTP:"+strings.ToUpper(addr)), 0)
}

// shortName is an 8.3-style name for PidTagAttachFilename.
func shortName(name string) string {
	base, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		base, ext = name[:i], name[i:]
	}
	r := []rune(base)
	if len(r) > 8 {
		r = r[:8]
	}
	e := []rune(ext)
	if len(e) > 4 {
		e = e[:4]
	}
	return string(r) + string(e)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
