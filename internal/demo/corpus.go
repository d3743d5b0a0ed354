// Package demo builds Mailshift's demo migration: a generated sample
// mailbox served by two in-process IMAP servers (the "old host" and the
// "new host") on loopback, so a newcomer sees a real migration with no
// accounts. Everything is deterministic for a given seed.
package demo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Folder is one folder of a sample mailbox.
type Folder struct {
	Name       string           // '/'-separated
	SpecialUse imap.MailboxAttr // "" or \Sent, \Drafts, \Junk, \Trash, \Archive
	Messages   []Message
}

// Message is one RFC 5322 message with its IMAP flags and received date.
type Message struct {
	Raw   []byte
	Flags []imap.Flag
	Date  time.Time
}

var (
	people   = []string{"Ann Archer", "Bob Baker", "Carol Chen", "Dmitri Sokolov", "Élodie Martin", "Farah Khan", "Grzegorz Brzęczyszczykiewicz"}
	subjects = []string{"Quarterly numbers", "Lunch on Friday?", "Invoice %d attached", "Re: the new printer", "Holiday rota",
		"Angebot Nr. %d", "Meeting notes — %d", "Contract draft v%d", "Fwd: parking", "Ünïcödé test %d ✓"}
)

// Mailbox generates the sample mailbox of owner (an address). n scales the
// number of messages (the demo uses 1).
func Mailbox(owner string, seed int64, n int) []Folder {
	r := rand.New(rand.NewSource(seed))
	base := time.Date(2025, 1, 6, 8, 30, 0, 0, time.FixedZone("CET", 3600))
	folders := []Folder{
		{Name: "INBOX"},
		{Name: "Sent", SpecialUse: imap.MailboxAttrSent},
		{Name: "Drafts", SpecialUse: imap.MailboxAttrDrafts},
		{Name: "Junk", SpecialUse: imap.MailboxAttrJunk},
		{Name: "Trash", SpecialUse: imap.MailboxAttrTrash},
		{Name: "Archive/2024"},
		{Name: "Projects/Café & Co"},
		{Name: "Projects/Übersee"},
	}
	counts := []int{40, 15, 2, 3, 4, 20, 8, 6}
	for fi := range folders {
		for i := 0; i < counts[fi]*n; i++ {
			date := base.Add(time.Duration(r.Intn(300*24)) * time.Hour).Add(time.Duration(r.Intn(3600)) * time.Second)
			folders[fi].Messages = append(folders[fi].Messages, message(r, owner, folders[fi], i, date))
		}
	}
	return folders
}

func message(r *rand.Rand, owner string, f Folder, i int, date time.Time) Message {
	other := people[r.Intn(len(people))]
	otherAddr := strings.ToLower(strings.Fields(other)[0]) + "@partner.test"
	from, to := fmt.Sprintf("%q <%s>", other, otherAddr), owner
	if f.SpecialUse == imap.MailboxAttrSent || f.SpecialUse == imap.MailboxAttrDrafts {
		from, to = owner, fmt.Sprintf("%q <%s>", other, otherAddr)
	}
	subj := subjects[r.Intn(len(subjects))]
	if strings.Contains(subj, "%d") {
		subj = fmt.Sprintf(subj, 1000+r.Intn(9000))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", encodeHeader(from), to)
	if r.Intn(4) == 0 {
		fmt.Fprintf(&b, "Cc: %s\r\n", "office@partner.test")
	}
	fmt.Fprintf(&b, "Subject: %s\r\nDate: %s\r\n", encodeHeader(subj), date.Format(time.RFC1123Z))
	if !(f.SpecialUse == imap.MailboxAttrDrafts && i%2 == 0) { // some drafts have no Message-ID, as in real life
		fmt.Fprintf(&b, "Message-ID: <%d.%d.%s@demo.mailshift>\r\n", date.Unix(), i, strings.ReplaceAll(f.Name, "/", "."))
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	body := fmt.Sprintf("Hello,\r\n\r\nThis is message %d in %s.\r\nKind regards,\r\n%s\r\n", i+1, f.Name, other)
	switch {
	case i%7 == 3: // with an attachment
		b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
		b.WriteString(body)
		data := make([]byte, 2000+r.Intn(40000))
		r.Read(data)
		fmt.Fprintf(&b, "--b1\r\nContent-Type: application/pdf; name=\"report-%d.pdf\"\r\nContent-Disposition: attachment; filename=\"report-%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i, i)
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n--b1--\r\n")
	case i%5 == 1: // HTML alternative
		b.WriteString("Content-Type: multipart/alternative; boundary=\"a1\"\r\n\r\n--a1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
		b.WriteString(body)
		fmt.Fprintf(&b, "--a1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>%s</p>\r\n--a1--\r\n", strings.ReplaceAll(body, "\r\n", "<br>"))
	default:
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
		b.WriteString(body)
	}
	var flags []imap.Flag
	if r.Intn(10) < 7 || f.SpecialUse == imap.MailboxAttrSent {
		flags = append(flags, imap.FlagSeen)
	}
	if r.Intn(12) == 0 {
		flags = append(flags, imap.FlagFlagged)
	}
	if r.Intn(15) == 0 {
		flags = append(flags, imap.FlagAnswered)
	}
	if r.Intn(20) == 0 {
		flags = append(flags, "$Important")
	}
	if f.SpecialUse == imap.MailboxAttrDrafts {
		flags = append(flags, imap.FlagDraft)
	}
	return Message{Raw: b.Bytes(), Flags: flags, Date: date}
}

// encodeHeader applies RFC 2047 to non-ASCII header text.
func encodeHeader(s string) string {
	for _, c := range s {
		if c > 127 {
			return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
		}
	}
	return s
}
