package pst

// writeSpecial writes the nodes every PST has besides folders: templates,
// the spam search folder, the store, the name-to-id map and search nodes.
func (p *part) writeSpecial() error {
	for _, t := range []struct {
		nid  uint32
		cols []colSpec
	}{{0x60D, hierCols}, {0x60E, contCols}, {0x60F, faiCols}, {0x610, srchCols}, {nidRecipTable, recipCols}, {nidAttachTable, attCols}} {
		if err := p.tcNode(t.nid, t.cols, nil, nil); err != nil {
			return err
		}
	}
	spam := folderInfo{nid: nidSpamSearch, name: "SPAM Search Folder 2"}
	if err := p.pcNode(nidSpamSearch, nidRootFolder, spam.props()); err != nil {
		return err
	}
	p.node(0x2226, 0, 0, 0)
	if err := p.pcNode(0x2227, 0, []prop{pI32(0x660B, 0)}); err != nil {
		return err
	}
	if err := p.tcNode(0x2230, srchCols, nil, nil); err != nil {
		return err
	}
	eid := func(nid uint32) []byte {
		b := make([]byte, 4, 24)
		b = append(b, p.uid[:]...)
		return le.AppendUint32(b, nid)
	}
	if err := p.pcNode(nidStore, 0, []prop{
		pBin(0x0FF9, p.uid[:]), pStr(0x3001, p.storeName), pI32(0x35DF, 0x89),
		pBin(0x35E0, eid(nidIPMSubtree)), pBin(0x35E3, eid(nidDeletedItems)), pBin(0x35E7, eid(nidSearchRoot)),
		pI32(0x67FF, 0), pI32(0x0E38, 0),
	}); err != nil {
		return err
	}
	if err := p.nameMap(); err != nil {
		return err
	}
	p.node(0x1E1, 0, 0, 0)
	bid, err := writeValue(p.d, le.AppendUint32(nil, nidSpamSearch))
	if err != nil {
		return err
	}
	p.node(0x201, bid, 0, 0)
	p.node(0x261, 0, 0, 0)
	// 0xC01: an empty BTH (cbKey 16, cbEnt 4) in a heap of client type 0x9C,
	// present in Outlook's own files.
	h := newHeap(p.d, 0x9C, newSubnodes(p.d))
	b, err := newBTH(h, 16, 4)
	if err != nil {
		return err
	}
	if err := b.finish(); err != nil {
		return err
	}
	bid, err = h.finish(b.hdr)
	if err != nil {
		return err
	}
	p.node(0xC01, bid, 0, 0)
	return nil
}

// psInternetHeaders is PS_INTERNET_HEADERS, the GUID stream's one entry (as in the prototype verified with libpff).
var psInternetHeaders = []byte{0x86, 0x03, 0x02, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}

// npidKeywords is the named property id of PS_PUBLIC_STRINGS "Keywords".
const npidKeywords = 0x8000

// nameMap writes the name-to-id map with one entry, PS_PUBLIC_STRINGS
// "Keywords" -> 0x8000 (libpff refuses a map without entries).
func (p *part) nameMap() error {
	name := utf16le("Keywords")
	strs := le.AppendUint32(nil, uint32(len(name)))
	strs = append(strs, name...)
	for len(strs)%4 != 0 {
		strs = append(strs, 0)
	}
	const w = 2<<1 | 1 // wGuid 2 (PS_PUBLIC_STRINGS), N = 1 (string name)
	entry := le.AppendUint32(nil, 0)
	entry = le.AppendUint16(entry, w)
	entry = le.AppendUint16(entry, 0)
	h := crc(name)
	rec := le.AppendUint32(nil, h)
	rec = le.AppendUint16(rec, w)
	rec = le.AppendUint16(rec, 0)
	bucket := uint16(0x1000 + (h^w)%251)
	return p.pcNode(nidNameMap, 0, []prop{
		pI32(0x0001, 251), pBin(0x0002, psInternetHeaders), pBin(0x0003, entry), pBin(0x0004, strs), pBin(bucket, rec),
	})
}
