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

function message(m, path) {
  const to = [], cc = [];
  for (let i = 0; i < m.numberOfRecipients; i++) {
    const r = m.getRecipient(i);
    if (!r) continue;
    const addr = (r.smtpAddress || r.emailAddress || '').toLowerCase();
    if (r.recipientType === 1) to.push(addr);
    if (r.recipientType === 2) cc.push(addr);
  }
  const atts = [];
  for (let i = 0; i < m.numberOfAttachments; i++) {
    const a = m.getAttachment(i);
    const name = a.longFilename || a.filename;
    const sum = crypto.createHash('sha256').update(attachmentBytes(a)).digest('hex');
    atts.push(name + ' ' + sum);
  }
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
