package pst

import "fmt"

// checkFolders verifies, for every folder, ContentCount and
// ContentUnreadCount against the messages whose NBT parent it is and its
// contents table, and the hierarchy table against its child folders.
func (c *checker) checkFolders() {
	byNID := map[uint32]nbtEntry{}
	msgs := map[uint32][]nbtEntry{}
	kids := map[uint32]int{}
	for _, n := range c.nodes {
		byNID[n.nid] = n
		switch n.nid & 0x1F {
		case 0x04:
			msgs[n.parent] = append(msgs[n.parent], n)
		case 0x02, 0x03:
			if n.parent != n.nid {
				kids[n.parent]++
			}
		}
	}
	for _, n := range c.nodes {
		if n.nid&0x1F != 0x02 {
			continue
		}
		where := fmt.Sprintf("folder %#x", n.nid)
		props, err := c.r.pc(n.bidData, n.bidSub)
		if err != nil {
			c.bad(where, "folder PC: %v", err)
			continue
		}
		count, unread := pcInt(props, 0x3602), pcInt(props, 0x3603)
		ms := msgs[n.nid]
		gotUnread := 0
		for _, m := range ms {
			mp, err := c.r.pc(m.bidData, m.bidSub)
			if err != nil {
				c.bad(fmt.Sprintf("message %#x", m.nid), "message PC: %v", err)
				continue
			}
			if pcInt(mp, 0x0E07)&msgflagRead == 0 {
				gotUnread++
			}
			c.checkMessage(fmt.Sprintf("message %#x", m.nid), mp, m.bidSub, 0)
		}
		if count != len(ms) {
			c.bad(where, "ContentCount %d but %d messages name it as parent", count, len(ms))
		}
		if unread != gotUnread {
			c.bad(where, "ContentUnreadCount %d but %d messages are unread", unread, gotUnread)
		}
		base := n.nid &^ 0x1F
		for _, t := range []struct {
			nid  uint32
			want int
			what string
		}{{base | 0x0E, len(ms), "contents"}, {base | 0x0D, kids[n.nid], "hierarchy"}, {base | 0x0F, 0, "FAI"}} {
			tn, ok := byNID[t.nid]
			if !ok {
				c.bad(where, "no %s table node %#x", t.what, t.nid)
				continue
			}
			ids, err := c.r.tcRows(tn.bidData, tn.bidSub)
			if err != nil {
				c.bad(where, "%s table: %v", t.what, err)
				continue
			}
			if len(ids) != t.want {
				c.bad(where, "%s table has %d rows, want %d", t.what, len(ids), t.want)
			}
			for _, id := range ids {
				if _, ok := byNID[id]; !ok && t.what != "FAI" {
					c.bad(where, "%s table row %#x names no node", t.what, id)
				}
			}
		}
		if sub := pcInt(props, 0x360A) != 0; sub != (kids[n.nid] > 0) {
			c.bad(where, "Subfolders is %v but it has %d child folders", sub, kids[n.nid])
		}
	}
}

func pcInt(props map[uint16]pcProp, id uint16) int {
	p, ok := props[id]
	if !ok || len(p.data) < 4 {
		if ok && len(p.data) >= 1 {
			return int(p.data[0])
		}
		return 0
	}
	return int(int32(le.Uint32(p.data)))
}
