package sync

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// fetchItems is what one FETCH response said about a message, apart from
// its body (which streams to a callback as it arrives).
type fetchItems struct {
	uid   uint32
	flags []string // nil when FLAGS was not in the response; never \Recent
	date  time.Time
}

// fetchReplies reads the replies to one command (tag) from br: each
// untagged FETCH response is parsed here, its BODY[] literal handed to
// body as a stream of exactly size bytes (a quoted body as a string's
// reader; NIL as no call), and end called when the response is complete;
// other untagged responses are skipped. It returns nil on the tagged OK,
// an *imap.Error on NO or BAD, a *protocolError on anything that is not
// IMAP, or the callbacks' and the connection's errors. Memory is bounded:
// a line between literals is at most maxResponseLine bytes, and literals
// other than BODY[] are skipped, never held.
func fetchReplies(br *bufio.Reader, tag string, body func(it *fetchItems, r io.Reader, size int64) error, end func(it *fetchItems) error) error {
	p := &fetchParser{br: br}
	tagged := []byte(tag + " ")
	for {
		if err := p.next(); err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(p.line, tagged):
			if p.lit >= 0 {
				return p.malformed("a literal in the command's completion")
			}
			return parseTagged(tag, string(p.line)).err()
		case bytes.HasPrefix(p.line, []byte("* ")):
			p.pos = 2
			if err := p.untagged(body, end); err != nil {
				return err
			}
		default:
			return p.malformed("a line that is neither tagged nor untagged")
		}
	}
}

// protocolError is a reply that does not follow IMAP's grammar.
type protocolError struct{ what, near string }

func (e *protocolError) Error() string {
	return fmt.Sprintf("%s near %q", e.what, e.near)
}

// fetchParser walks a reply one line at a time. A line ending in a
// literal's announcement "{N}" stops there (lit = N, litAt = where the
// "{" is); the literal's bytes are still in br, and the line goes on
// after them in the next one.
type fetchParser struct {
	br    *bufio.Reader
	line  []byte
	pos   int
	lit   int64 // -1: no literal at the end of line
	litAt int
}

// next reads the next line (or the rest of one after a literal).
func (p *fetchParser) next() error {
	var err error
	p.pos, p.lit = 0, -1
	if p.line, err = appendLine(p.line[:0], p.br, maxResponseLine); errors.Is(err, errLineTooLong) {
		return &protocolError{what: fmt.Sprintf("a response line over %d bytes", maxResponseLine), near: clip(string(p.line))}
	} else if err == io.EOF {
		return io.ErrUnexpectedEOF
	} else if err != nil {
		return err
	}
	p.line = bytes.TrimSuffix(bytes.TrimSuffix(p.line, []byte("\n")), []byte("\r"))
	if n, ok := literalSize(string(p.line[max(0, len(p.line)-24):])); ok {
		p.lit, p.litAt = n, bytes.LastIndexByte(p.line, '{')
	}
	return nil
}

func (p *fetchParser) malformed(what string) error {
	return &protocolError{what: what, near: clip(string(p.line[max(0, p.pos-20):]))}
}

// atLiteral reports that the parser stands on the line's literal.
func (p *fetchParser) atLiteral() bool { return p.lit >= 0 && p.pos == p.litAt }

// skipLiteral discards the literal the parser stands on and reads the
// line's continuation.
func (p *fetchParser) skipLiteral() error {
	if _, err := io.CopyN(io.Discard, p.br, p.lit); err != nil {
		return err
	}
	return p.next()
}

// untagged handles one untagged response (after "* ").
func (p *fetchParser) untagged(body func(*fetchItems, io.Reader, int64) error, end func(*fetchItems) error) error {
	first := p.word()
	switch strings.ToUpper(first) {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		return nil // resp-text: no literals (a BYE is caught by the byeTap)
	}
	if _, err := strconv.ParseUint(first, 10, 32); err == nil && p.peek() == ' ' {
		p.pos++
		if strings.EqualFold(p.word(), "FETCH") && p.peek() == ' ' {
			p.pos++
			return p.fetch(body, end)
		}
	}
	for p.lit >= 0 { // EXISTS, EXPUNGE, SEARCH, VANISHED...: only literals matter
		if err := p.skipLiteral(); err != nil {
			return err
		}
	}
	return nil
}

// fetch parses "(item value ...)" of a FETCH response.
func (p *fetchParser) fetch(body func(*fetchItems, io.Reader, int64) error, end func(*fetchItems) error) error {
	if p.peek() != '(' {
		return p.malformed("a FETCH response without its list")
	}
	p.pos++
	var it fetchItems
	for first := true; ; first = false {
		if p.peek() == ')' {
			p.pos++
			if p.pos != len(p.line) {
				return p.malformed("more after a FETCH response's end")
			}
			return end(&it)
		}
		if !first {
			if p.peek() != ' ' {
				return p.malformed("FETCH items not separated by a space")
			}
			p.pos++
		}
		name := strings.ToUpper(p.itemName())
		if name == "" || p.peek() != ' ' {
			return p.malformed("a FETCH item without a value")
		}
		p.pos++
		var err error
		switch name {
		case "UID":
			var v uint64
			v, err = strconv.ParseUint(p.word(), 10, 32)
			if err != nil || v == 0 {
				return p.malformed("a UID that is not a number")
			}
			it.uid = uint32(v)
		case "FLAGS":
			it.flags, err = p.flagList()
		case "INTERNALDATE":
			it.date, err = p.dateTime()
		case "BODY[]":
			err = p.bodyValue(&it, body)
		default:
			err = p.skipValue(0)
		}
		if err != nil {
			return err
		}
	}
}
