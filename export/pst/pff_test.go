package pst

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// pffMessage reads one message folder of pffexport's output and its
// InternetHeaders.txt. An attachment that is a folder holds an embedded
// message (AttachmentNNNNN/Message00001), read the same way.
func pffMessage(p string) (summary, []byte, error) {
	hdr, err := os.ReadFile(filepath.Join(p, "InternetHeaders.txt"))
	if err != nil {
		return summary{}, nil, err
	}
	// Only the header is parsed: the body it announces is not there.
	s, _ := summarize(append(bytes.Clone(hdr), "\r\n"...))
	s.Attachments = nil
	txt, _ := os.ReadFile(filepath.Join(p, "Message.txt"))
	s.Text = normText(string(txt))
	html, _ := os.ReadFile(filepath.Join(p, "Message.html"))
	s.HTML = normText(string(html))
	// Subject, sender and recipients come from the PST's own
	// properties and recipient table, not the transport headers.
	oh, _ := os.ReadFile(filepath.Join(p, "OutlookHeaders.txt"))
	s.Read = strings.Contains(string(oh), "(Read")
	s.Subject = pffField(string(oh), "Subject")
	s.From = strings.ToLower(pffField(string(oh), "Sender email address"))
	rc, _ := os.ReadFile(filepath.Join(p, "Recipients.txt"))
	s.To, s.Cc = pffRecipients(string(rc))
	atts, _ := os.ReadDir(filepath.Join(p, "Attachments"))
	for _, a := range atts {
		if a.IsDir() {
			inner, _, err := pffMessage(filepath.Join(p, "Attachments", a.Name(), "Message00001"))
			if err != nil {
				return s, nil, fmt.Errorf("embedded message in %s: %w", a.Name(), err)
			}
			s.Attachments = append(s.Attachments, embeddedEntry(inner))
			continue
		}
		b, err := os.ReadFile(filepath.Join(p, "Attachments", a.Name()))
		if err != nil {
			return s, nil, err
		}
		_, name, _ := strings.Cut(a.Name(), "_")
		s.Attachments = append(s.Attachments, name+" "+sha(b))
	}
	slices.Sort(s.Attachments)
	return s, hdr, nil
}

// pffField returns the value of a "Name:<tabs>value" line.
func pffField(text, name string) string {
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// pffRecipients reads Recipients.txt: blocks of display name, email
// address, address type and recipient type.
func pffRecipients(text string) (to, cc []string) {
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		addr := strings.ToLower(pffField(block, "Email address"))
		switch pffField(block, "Recipient type") {
		case "To":
			to = append(to, addr)
		case "CC":
			cc = append(cc, addr)
		}
	}
	slices.Sort(to)
	slices.Sort(cc)
	return to, cc
}
