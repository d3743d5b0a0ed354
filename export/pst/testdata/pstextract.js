// pstextract.js FILE.pst — reads a PST with the npm package pst-extractor
// (a third reader, independent of libpst and libpff) and prints one JSON
// object per message: folder path under the top of the store, subject,
// sender, recipients, dates, bodies, attachments (name and SHA-256 of the
// bytes) and read state. Used by extractor_test.go only.
'use strict';
const crypto = require('crypto');
const { PSTFile } = require('pst-extractor');

const pst = new PSTFile(process.argv[2]);

function attachmentBytes(a) {
  const s = a.fileInputStream;
  if (!s) return Buffer.alloc(0);
  const n = Number(s.length.toString());
  const buf = Buffer.alloc(n);
  if (n > 0) s.readCompletely(buf);
  return buf;
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const normText = (s) => (s || '').replace(/\r\n/g, '\n').replace(/[ \t\r\n]+$/, '');

// attachments lists "name sha256" per file and, per embedded message
// (attach method 5), what summary_test.go's embeddedEntry makes of it.
function attachments(m) {
  const atts = [];
  for (let i = 0; i < m.numberOfAttachments; i++) {
    const a = m.getAttachment(i);
    if (a.attachMethod === 5) {
      // pst-extractor 1.12.0 builds the embedded message only when the
      // attachment has a descriptor node, which attachments never get (it
      // is null for every subnode object, Outlook's files included): lend
      // it the enclosing message's, used for nothing but that check.
      if (!a.descriptorIndexNode) a.descriptorIndexNode = m.descriptorIndexNode;
      const e = a.embeddedPSTMessage;
      if (!e) { atts.push('unreadable embedded message'); continue; }
      const inner = attachments(e).sort();
      atts.push('message ' + e.subject + ' | text ' + sha256(Buffer.from(normText(e.body), 'utf8')) + ' | [' + inner.join(', ') + ']');
      continue;
    }
    const name = a.longFilename || a.filename;
    atts.push(name + ' ' + sha256(attachmentBytes(a)));
  }
  return atts;
}

function message(m, path) {
  const to = [], cc = [];
  for (let i = 0; i < m.numberOfRecipients; i++) {
    const r = m.getRecipient(i);
    if (!r) continue;
    const addr = (r.smtpAddress || r.emailAddress || '').toLowerCase();
    if (r.recipientType === 1) to.push(addr);
    if (r.recipientType === 2) cc.push(addr);
  }
  const atts = attachments(m);
  const when = m.messageDeliveryTime || m.clientSubmitTime;
  return {
    folder: path.join('/'),
    id: (m.internetMessageId || '').replace(/^[<\s]+|[>\s]+$/g, ''),
    subject: m.subject,
    from: (m.senderEmailAddress || '').toLowerCase(),
    to, cc,
    date: when ? Math.floor(when.getTime() / 1000) : 0,
    text: m.body,
    html: m.bodyHTML,
    attachments: atts,
    read: m.isRead,
  };
}

function walk(folder, path) {
  if (folder.contentCount > 0) {
    for (let m = folder.getNextChild(); m != null; m = folder.getNextChild()) {
      process.stdout.write(JSON.stringify(message(m, path)) + '\n');
    }
  }
  if (folder.hasSubfolders) {
    for (const child of folder.getSubFolders()) walk(child, path.concat([child.displayName]));
  }
}

// The root holds "Top of Personal Folders" (IPM subtree) and the search
// root; mail lives under the former, as readpst and pffexport show it.
for (const top of pst.getRootFolder().getSubFolders()) {
  if (top.displayName === 'Top of Personal Folders') walk(top, []);
}
pst.close();
