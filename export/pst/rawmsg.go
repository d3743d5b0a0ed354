package pst

import (
	"errors"
	"fmt"
	"io"
)

// mapPrepared maps one message into store (streamed or deferred, see
// valueStore) with the scratch buffers sc, which the caller must not share
// with another goroutine meanwhile. MIME that cannot be walked is
// mapped again raw (see rawMessage), with a warning. prep.err is set only
// when the message cannot be written at all (a file or spool error, or a
// panic while mapping, which then fails the Writer instead of the program:
// on a worker goroutine nothing else could recover it).
func mapPrepared(store *valueStore, src *spooled, sc *scratch, tmpDir string) (prep prepared) {
	defer func() {
		if r := recover(); r != nil {
			prep = prepared{store: store, err: fmt.Errorf("pst: mapping a message failed: %v", r)}
		}
	}()
	mk := store.mark()
	mp := &mapper{store: store, scratch: sc, tmpDir: tmpDir}
	err := mp.mapMessage(src)
	raw := false
	if errors.Is(err, errMalformed) {
		mp.warn("%v", err)
		if err = store.rollback(mk); err == nil {
			raw = true
			err = mp.rawMessage(src)
		}
	}
	return prepared{m: mp.m, store: store, warns: mp.warns, raw: raw, err: err}
}

// rawMessage maps a message whose MIME cannot be walked: the envelope as
// far as the header parses, the raw header block as transport headers, the
// raw body as the text body, and the whole original as an attachment.
func (mp *mapper) rawMessage(src *spooled) error {
	old := mp.m
	mp.m = &message{importance: 1, headers: old.headers, subject: old.subject, fromName: old.fromName,
		fromAddr: old.fromAddr, senderName: old.senderName, senderAddr: old.senderAddr,
		recipients: old.recipients, submit: old.submit, messageID: old.messageID}
	if mp.m.subject == "" {
		mp.m.subject = "(unreadable message)"
	}
	body := src.reader()
	if _, err := io.CopyN(io.Discard, body, int64(headerEnd(src.head(1<<20)))); err != nil {
		return err
	}
	sink := newValueSink(mp.store)
	if _, err := textTo(sink, body, true); err != nil {
		return err
	}
	v, err := sink.finish()
	if err != nil {
		return err
	}
	mp.m.body = v
	orig := newValueSink(mp.store)
	if _, err := io.Copy(orig, src.reader()); err != nil {
		return err
	}
	ov, err := orig.finish()
	if err != nil {
		return err
	}
	mp.m.attachments = []attachment{{filename: "original.eml", mimeType: "message/rfc822", data: ov}}
	return nil
}
