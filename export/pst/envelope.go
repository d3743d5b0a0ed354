package pst

import (
	"strings"
	"time"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// envelope fills subject, addresses, dates and ids from the top header.
func (mp *mapper) envelope(th textproto.Header) {
	m := mp.m
	h := mail.Header{Header: gomessage.Header{Header: th}}
	var err error
	if m.subject, err = h.Subject(); err != nil {
		m.subject = strings.TrimSpace(th.Get("Subject"))
		mp.warn("subject: %v", err)
	}
	addrs := func(key string) []*mail.Address {
		l, err := h.AddressList(key)
		if err != nil && th.Get(key) != "" {
			mp.warn("%s: %v", key, err)
			return []*mail.Address{{Name: decodeWords(th.Get(key))}}
		}
		return l
	}
	if from := addrs("From"); len(from) > 0 {
		m.fromName, m.fromAddr = from[0].Name, from[0].Address
	}
	if s := addrs("Sender"); len(s) > 0 {
		m.senderName, m.senderAddr = s[0].Name, s[0].Address
	}
	for _, kk := range []struct {
		kind int32
		key  string
	}{{1, "To"}, {2, "Cc"}, {3, "Bcc"}} {
		for _, a := range addrs(kk.key) {
			m.recipients = append(m.recipients, recipient{kind: kk.kind, name: firstNonEmpty(a.Name, a.Address), addr: a.Address})
		}
	}
	if d := th.Get("Date"); d != "" {
		if t, err := parseDate(h, d); err == nil {
			m.submit = t.UTC()
		} else {
			mp.warn("date: %v", err)
		}
	}
	m.messageID = strings.TrimSpace(th.Get("Message-Id"))
	m.inReplyTo = strings.TrimSpace(th.Get("In-Reply-To"))
	m.refs = strings.TrimSpace(th.Get("References"))
	switch strings.ToLower(strings.TrimSpace(th.Get("Importance"))) {
	case "low":
		m.importance = 0
	case "high":
		m.importance = 2
	}
	if p := strings.TrimSpace(th.Get("X-Priority")); p != "" {
		switch p[0] {
		case '1', '2':
			m.importance = 2
		case '4', '5':
			m.importance = 0
		}
	}
	switch strings.ToLower(strings.TrimSpace(th.Get("Sensitivity"))) {
	case "personal":
		m.sensitivity = 1
	case "private":
		m.sensitivity = 2
	case "company-confidential":
		m.sensitivity = 3
	}
	if kw := th.Get("Keywords"); kw != "" {
		for _, k := range strings.Split(decodeWords(kw), ",") {
			if k = strings.TrimSpace(k); k != "" {
				m.keywords = append(m.keywords, k)
			}
		}
	}
}

// parseDate parses the Date header d as net/mail does (through h), trying
// first the layout nearly every mailer writes (RFC 1123 with a numeric
// zone), which net/mail reaches only after some thirty failed layouts.
func parseDate(h mail.Header, d string) (time.Time, error) {
	if t, err := time.Parse(time.RFC1123Z, strings.TrimSpace(d)); err == nil {
		return t, nil
	}
	return h.Date()
}

func decodeWords(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}
