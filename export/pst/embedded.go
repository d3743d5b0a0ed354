package pst

import (
	"bytes"
	"errors"
	"io"

	"github.com/emersion/go-message/textproto"
)

// A message/rfc822 part becomes an embedded message object ([MS-PST]
// 2.4.6.2.3, [MS-OXCMSG] 2.2.2.9): the attachment's PidTagAttachMethod is
// afEmbeddedMessage (5) and its PidTagAttachDataObject (0x3701, PtypObject)
// holds {NID, size} of a subnode of the attachment that is a complete
// message (PC, recipient table, attachment table, its own attachments and
// embedded messages), with no NBT entry and no parent folder.

// nidEmbeddedMessage is the subnode NID of the embedded message inside its
// attachment's subnode tree (the only NID_TYPE_NORMAL_MESSAGE there).
const nidEmbeddedMessage = 1<<5 | 0x04

// embeddedObject writes a's embedded message as a subnode of the attachment
// (asubs) and returns the attachment's PidTagAttachDataObject.
func (p *part) embeddedObject(a *attachment, asubs *subnodes) (prop, error) {
	meta := MessageMeta{Flags: []string{`\Seen`}, InternalDate: a.embedded.submit}
	pcBid, subBid, _, err := p.buildMessage(a.embedded, meta)
	if err != nil {
		return prop{}, err
	}
	asubs.add(nidEmbeddedMessage, pcBid, subBid)
	obj := le.AppendUint32(le.AppendUint32(nil, nidEmbeddedMessage), uint32(min(a.rawSize, 0xFFFFFFFF)))
	return prop{id: 0x3701, typ: ptObj, data: obj}, nil
}

// attachmentNames are an attachment's name properties: long and short file
// name, display name and MIME type. An embedded message is displayed by
// its subject, as Outlook does.
func attachmentNames(a *attachment) []prop {
	display := a.filename
	if a.embedded != nil && a.embedded.subject != "" {
		display = a.embedded.subject
	}
	props := []prop{pStr(0x3001, display), pStr(0x370E, a.mimeType)}
	if a.filename != "" {
		props = append(props, pStr(0x3707, a.filename), pStr(0x3704, shortName(a.filename)))
	}
	return props
}

// embedded maps a message/rfc822 part as an embedded message. A part that
// is not a readable message is kept as a plain attachment of its bytes
// (whatever the inner mapping wrote is rolled back) and reported.
func (mp *mapper) embedded(h textproto.Header, mediaType, filename string, r io.Reader, depth int) error {
	body, done := mp.decoded(h, r)
	defer done()
	var buf bytes.Buffer
	src, err := spool(body, mp.tmpDir, &buf)
	if err != nil {
		return mp.bodyErr(err)
	}
	defer src.close()
	mk := mp.store.mark()
	inner := &mapper{store: mp.store, tmpDir: mp.tmpDir}
	err = inner.mapMessageAt(src, depth+1)
	for _, w := range inner.warns {
		mp.warn("attached message: %s", w)
	}
	if err == nil {
		mp.m.attachments = append(mp.m.attachments, attachment{mimeType: mediaType, filename: filename,
			embedded: inner.m, rawSize: src.size})
		return nil
	}
	if !errors.Is(err, errMalformed) {
		return err
	}
	if err := mp.store.rollback(mk); err != nil {
		return err
	}
	mp.warn("attached message kept as a file: %v", err)
	sink := newValueSink(mp.store)
	if _, err := io.Copy(&writeErrWrap{sink}, src.reader()); err != nil {
		return mp.bodyErr(err)
	}
	v, err := sink.finish()
	if err != nil {
		return err
	}
	if filename == "" {
		filename = defaultName(mediaType, len(mp.m.attachments)+1)
	}
	mp.m.attachments = append(mp.m.attachments, attachment{mimeType: mediaType, filename: filename, data: v})
	return nil
}
