package pst

// PidTagAttachMethod values ([MS-OXCMSG] 2.2.2.9).
const (
	afByValue         = 1 // the data in PidTagAttachDataBinary
	afEmbeddedMessage = 5 // a message in PidTagAttachDataObject
)

// writeAttachments writes one PC subnode per attachment of m (with the
// attachment's own subnodes: its data tree or embedded message) and the
// attachment table, into the message's subnodes.
func (p *part) writeAttachments(m *message, subs *subnodes) error {
	d := p.d
	var attIDs []uint32
	var attRows [][]prop
	for k := range m.attachments {
		a := &m.attachments[k]
		asubs := newSubnodes(d)
		size := int32(0)
		if a.data != nil {
			size = int32(a.data.size)
		}
		method := int32(afByValue)
		var data prop
		if a.embedded != nil {
			var err error
			if data, err = p.embeddedObject(a, asubs); err != nil {
				return err
			}
			size, method = int32(min(a.rawSize, 0x7FFFFF00)), afEmbeddedMessage
		} else {
			data = valueProp(0x3701, ptBin, a.data, asubs)
		}
		props := append([]prop{
			pI32(0x0E20, size+200), pI32(0x0E21, int32(k)), pI32(0x3705, method), pI32(0x370B, -1), data,
		}, attachmentNames(a)...)
		if a.contentID != "" {
			props = append(props, pStr(0x3712, a.contentID))
		}
		if a.inline {
			props = append(props, pI32(0x3714, 4), pBool(0x7FFE, true))
		}
		bid, _, err := writePC(d, props, asubs)
		if err != nil {
			return err
		}
		sub, err := asubs.finish()
		if err != nil {
			return err
		}
		nid := uint32(k+1)<<5 | 0x05
		subs.add(nid, bid, sub)
		attIDs = append(attIDs, nid)
		attRows = append(attRows, []prop{pI32(0x0E20, size+200), pStr(0x3704, shortName(a.filename)),
			pI32(0x3705, method), pI32(0x370B, -1)})
	}
	if len(attIDs) > 0 {
		tsubs := newSubnodes(d)
		bid, err := writeTC(d, attCols, attRows, attIDs, tsubs)
		if err != nil {
			return err
		}
		sub, err := tsubs.finish()
		if err != nil {
			return err
		}
		subs.add(nidAttachTable, bid, sub)
	}
	return nil
}
