package pst

import (
	"fmt"
	"slices"
)

// checkMessage verifies a message object, a folder's or an embedded one: a
// message class, a recipient table, and an attachment table whose rows are
// exactly the message's attachment subnodes, each attachment PC with
// PidTagAttachSize, PidTagAttachMethod and PidTagRenderingPosition. An
// embedded message (attach method 5) must be the subnode of its attachment
// that PidTagAttachDataObject names (PtypObject {NID, size}); it is
// checked the same way, down to maxMIMEDepth levels.
func (c *checker) checkMessage(where string, props map[uint16]pcProp, bidSub uint64, depth int) {
	if _, ok := props[0x001A]; !ok {
		c.bad(where, "no PidTagMessageClass")
	}
	sub, err := c.r.subnodeMap(bidSub)
	if err != nil {
		c.bad(where, "subnodes: %v", err)
		return
	}
	if _, ok := sub[nidRecipTable]; !ok {
		c.bad(where, "no recipient table")
	}
	var atts []uint32
	for nid := range sub {
		if nid&0x1F == 0x05 {
			atts = append(atts, nid)
		}
	}
	slices.Sort(atts)
	t, ok := sub[nidAttachTable]
	if !ok {
		if len(atts) > 0 {
			c.bad(where, "%d attachments but no attachment table", len(atts))
		}
		return
	}
	rows, err := c.r.tcRows(t.bidData, t.bSub)
	if err != nil {
		c.bad(where, "attachment table: %v", err)
		return
	}
	slices.Sort(rows)
	if !slices.Equal(rows, atts) {
		c.bad(where, "attachment table rows %#x, attachment subnodes %#x", rows, atts)
	}
	for _, nid := range atts {
		c.checkAttachment(fmt.Sprintf("%s attachment %#x", where, nid), sub[nid], depth)
	}
}

func (c *checker) checkAttachment(where string, e slEntry, depth int) {
	props, err := c.r.pc(e.bidData, e.bSub)
	if err != nil {
		c.bad(where, "attachment PC: %v", err)
		return
	}
	for _, id := range []uint16{0x0E20, 0x3705, 0x370B} {
		if _, ok := props[id]; !ok {
			c.bad(where, "no property %#04x", id)
		}
	}
	if pcInt(props, 0x3705) != afEmbeddedMessage {
		return
	}
	obj, ok := props[0x3701]
	if !ok || obj.typ != ptObj || len(obj.data) != 8 {
		c.bad(where, "embedded message without a PtypObject PidTagAttachDataObject")
		return
	}
	if depth >= maxMIMEDepth {
		c.bad(where, "embedded messages nested deeper than %d", maxMIMEDepth)
		return
	}
	sub, err := c.r.subnodeMap(e.bSub)
	if err != nil {
		c.bad(where, "subnodes: %v", err)
		return
	}
	nid := le.Uint32(obj.data)
	m, ok := sub[nid]
	if !ok {
		c.bad(where, "PidTagAttachDataObject names subnode %#x, not one of the attachment's", nid)
		return
	}
	mp, err := c.r.pc(m.bidData, m.bSub)
	if err != nil {
		c.bad(where, "embedded message PC: %v", err)
		return
	}
	c.checkMessage(where+" embedded message", mp, m.bSub, depth+1)
}
