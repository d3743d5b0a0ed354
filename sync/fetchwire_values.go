package sync

// The values of a FETCH response, read by fetchParser from the current
// line: words, item names, flag lists, dates, quoted strings, the body
// (streamed) and values to skip.

import (
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// peek is the next byte of the line, 0 at its end (or at its literal).
func (p *fetchParser) peek() byte {
	if p.pos >= len(p.line) || p.atLiteral() {
		return 0
	}
	return p.line[p.pos]
}

// word reads up to a space, a parenthesis or the line's end.
func (p *fetchParser) word() string {
	start := p.pos
	for p.pos < len(p.line) && !p.atLiteral() {
		switch p.line[p.pos] {
		case ' ', '(', ')':
			return string(p.line[start:p.pos])
		}
		p.pos++
	}
	return string(p.line[start:p.pos])
}

// itemName reads a FETCH item's name: an atom that may carry a section
// in brackets (with spaces inside) and a partial "<n>".
func (p *fetchParser) itemName() string {
	start := p.pos
	depth := 0
	for p.pos < len(p.line) && !p.atLiteral() {
		c := p.line[p.pos]
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0 && (c == ' ' || c == '(' || c == ')'):
			return string(p.line[start:p.pos])
		}
		p.pos++
	}
	return string(p.line[start:p.pos])
}

// flagList reads "(\Seen $Label ...)": system flags in go-imap's spelling,
// \Recent left out (it is the session's, not the message's).
func (p *fetchParser) flagList() ([]string, error) {
	if p.peek() != '(' {
		return nil, p.malformed("FLAGS without a list")
	}
	p.pos++
	out := []string{}
	for {
		switch p.peek() {
		case ')':
			p.pos++
			return out, nil
		case ' ':
			p.pos++
		case 0, '(':
			return nil, p.malformed("an unterminated flag list")
		default:
			f := p.word()
			if canon, ok := canonicalFlags[strings.ToLower(f)]; ok {
				f = canon
			}
			if !strings.EqualFold(f, `\Recent`) {
				out = append(out, f)
			}
		}
	}
}

// canonicalFlags spells system flags as go-imap does, whatever case the
// server used.
var canonicalFlags = func() map[string]string {
	m := map[string]string{}
	for _, f := range []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft,
		imap.FlagForwarded, imap.FlagMDNSent, imap.FlagJunk, imap.FlagNotJunk, imap.FlagPhishing, imap.FlagImportant} {
		m[strings.ToLower(string(f))] = string(f)
	}
	return m
}()

// dateTime reads INTERNALDATE's quoted date-time (the day may be padded
// with a space or not); NIL is the zero time.
func (p *fetchParser) dateTime() (time.Time, error) {
	if p.peek() != '"' {
		if strings.EqualFold(p.word(), "NIL") {
			return time.Time{}, nil
		}
		return time.Time{}, p.malformed("an INTERNALDATE that is not a quoted date")
	}
	s, err := p.quoted()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse("_2-Jan-2006 15:04:05 -0700", s)
	if err != nil {
		t, err = time.Parse("2-Jan-2006 15:04:05 -0700", s)
	}
	if err != nil {
		return time.Time{}, p.malformed("an INTERNALDATE that is not a date")
	}
	return t, nil
}

// quoted reads a quoted string, undoing \\ and \".
func (p *fetchParser) quoted() (string, error) {
	p.pos++ // the opening quote
	var b strings.Builder
	for p.pos < len(p.line) {
		c := p.line[p.pos]
		p.pos++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if p.pos < len(p.line) {
				c = p.line[p.pos]
				p.pos++
			}
		}
		b.WriteByte(c)
	}
	return "", p.malformed("an unterminated quoted string")
}

// bodyValue hands the message to body: a literal as a stream (then the
// line's continuation is read), a quoted string as a reader, NIL as
// nothing.
func (p *fetchParser) bodyValue(it *fetchItems, body func(*fetchItems, io.Reader, int64) error) error {
	switch {
	case p.atLiteral():
		n := p.lit
		lr := &io.LimitedReader{R: p.br, N: n}
		if err := body(it, lr, n); err != nil {
			return err
		}
		if lr.N > 0 { // body took less than all: the rest is not ours to keep
			if _, err := io.CopyN(io.Discard, p.br, lr.N); err != nil {
				return err
			}
		}
		return p.next()
	case p.peek() == '"':
		s, err := p.quoted()
		if err != nil {
			return err
		}
		return body(it, strings.NewReader(s), int64(len(s)))
	case strings.EqualFold(p.word(), "NIL"):
		return nil
	}
	return p.malformed("a message body that is neither a literal, a string nor NIL")
}

// skipValue passes over one value of an item the pull did not ask for
// (MODSEQ after CONDSTORE, RFC822.SIZE...): an atom, a quoted string, a
// literal or a parenthesised list, nested at most 16 deep.
func (p *fetchParser) skipValue(depth int) error {
	if depth > 16 {
		return p.malformed("lists nested too deep")
	}
	switch {
	case p.atLiteral():
		return p.skipLiteral()
	case p.peek() == '"':
		_, err := p.quoted()
		return err
	case p.peek() == '(':
		p.pos++
		for {
			switch p.peek() {
			case ')':
				p.pos++
				return nil
			case ' ':
				p.pos++
			case 0:
				if !p.atLiteral() {
					return p.malformed("an unterminated list")
				}
				fallthrough
			default:
				if err := p.skipValue(depth + 1); err != nil {
					return err
				}
			}
		}
	}
	if p.itemName() == "" {
		return p.malformed("an empty value")
	}
	return nil
}
