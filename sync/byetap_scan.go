package sync

import (
	"slices"
	"unicode"
)

// respState follows a server's responses byte by byte (outside literals)
// just far enough to find the literals go-imap's parser (beta.8) reads,
// and nothing else: the byeTap skips those by counting and bounds them.
//
// It must see a literal exactly where go-imap does. If it took bytes
// go-imap parses for a literal's, it would not see an announcement among
// them, and go-imap could be sent a literal of any size unchecked; if it
// missed one, it would read a message body as responses. So it mirrors
// go-imap's grammar where that grammar decides:
//
//   - Status responses ("+ text", a tagged reply, "* OK/NO/BAD/BYE/PREAUTH")
//     carry no literals: go-imap reads their text to the line's end, and a
//     "{N}" ending a status text ("no such folder: Invoices {20240101}")
//     is text. A response code ("[...]" just after the type) runs to its
//     "]" across line ends, as go-imap skips it.
//   - Other untagged responses carry strings: a quoted string runs to its
//     closing quote across line ends (backslash escapes the next byte), and
//     a literal is "{digits}" then an optional space, an optional CR and LF
//     (go-imap's CRLF is that liberal).
//
// Where go-imap would fail to parse instead (an unknown response, a
// literal where none may stand), its reader ends and so does the
// connection, so a different reading here is harmless. lineLen counts
// the bytes of the response so far outside literals (the line bound).
type respState struct {
	at      uint8
	word    [8]byte // a response's type word, upper-cased, while read
	wordLen int
	tagged  bool
	quoted  bool  // inside a quoted string (a data response)
	escaped bool  // after a backslash in one
	lit     uint8 // announcement: 1 digits after '{', 2 after '}', 3 after "} ", 4 after the CR
	litSize int64 // the announced size (at most litCap)
	litAny  bool
	lineLen int64
	numbers bool // a SEARCH, ESEARCH or SORT response: bounded by maxSearchLine
}

// Where in a response the tap stands.
const (
	atStart     = iota // a response's first byte
	atTag              // a tag
	atStar             // after "*"
	atType             // the type word, after "* " or a tag's space
	atData             // an untagged data response: strings and literals
	atAfterType        // a status response after its type word
	atAfterSP          // ... after "TYPE ": a '[' opens a response code
	atCode             // a response code, to its ']'
	atText             // a status response's text, to the line's end
)

// What one byte did.
const (
	stepOn      = iota
	stepLiteral // a literal's announcement ended: litSize bytes follow
	stepEnd     // the response ended
)

// litCap caps an announced size: anything near it is over every bound.
const litCap = 1 << 50

// step takes one byte outside a literal.
func (s *respState) step(c byte) int {
	s.lineLen++
	switch s.at {
	case atStart:
		switch c {
		case '+':
			s.at = atText
		case '*':
			s.at = atStar
		default:
			s.at, s.tagged = atTag, true
			return s.tag(c)
		}
		return stepOn
	case atTag:
		return s.tag(c)
	case atStar:
		if c == ' ' {
			s.at, s.wordLen = atType, 0
			return stepOn
		}
		s.at = atData // go-imap fails on it
		return s.data(c)
	case atType:
		if isAtomChar(c) {
			if s.wordLen < len(s.word) {
				s.word[s.wordLen] = upperASCII(c)
			}
			s.wordLen++
			return stepOn
		}
		if s.tagged || s.statusWord() {
			s.at = atAfterType
			return s.status(c)
		}
		s.at, s.numbers = atData, s.isWord("SEARCH", "ESEARCH", "SORT")
		return s.data(c)
	case atData:
		return s.data(c)
	default:
		return s.status(c)
	}
}

// tag reads a tagged response's tag, up to its space.
func (s *respState) tag(c byte) int {
	switch {
	case c == ' ':
		s.at, s.wordLen = atType, 0
	case isAtomChar(c):
	default:
		s.at = atText // go-imap fails on it
		return s.status(c)
	}
	return stepOn
}

// statusWord reports a type word of a status response.
func (s *respState) statusWord() bool { return s.isWord("OK", "NO", "BAD", "BYE", "PREAUTH") }

// isWord reports a type word among words.
func (s *respState) isWord(words ...string) bool {
	if s.wordLen > len(s.word) {
		return false
	}
	return slices.Contains(words, string(s.word[:s.wordLen]))
}

// status takes a byte of a status response (after its type word).
func (s *respState) status(c byte) int {
	switch s.at {
	case atCode:
		if c == ']' {
			s.at = atText
		}
		return stepOn // a line end inside a code does not end it
	case atAfterType:
		if c == ' ' {
			s.at = atAfterSP
			return stepOn
		}
	case atAfterSP:
		if c == '[' {
			s.at = atCode
			return stepOn
		}
	}
	if c == '\n' {
		return s.end()
	}
	s.at = atText
	return stepOn
}

// data takes a byte of an untagged data response.
func (s *respState) data(c byte) int {
	if s.quoted {
		switch {
		case s.escaped:
			s.escaped = false
		case c == '\\':
			s.escaped = true
		case c == '"':
			s.quoted = false
		}
		return stepOn
	}
	switch {
	case c == '"':
		s.quoted, s.lit = true, 0
	case c == '{':
		s.lit, s.litSize, s.litAny = 1, 0, false
	case s.lit == 1 && c >= '0' && c <= '9':
		s.litSize = min(s.litSize*10+int64(c-'0'), litCap)
		s.litAny = true
	case s.lit == 1 && c == '+':
	case s.lit == 1 && c == '}' && s.litAny:
		s.lit = 2
	case s.lit == 2 && c == ' ':
		s.lit = 3
	case (s.lit == 2 || s.lit == 3) && c == '\r':
		s.lit = 4
	case c == '\n':
		if s.lit >= 2 {
			s.lit = 0
			return stepLiteral // the response goes on after the literal
		}
		return s.end()
	default:
		s.lit = 0
	}
	return stepOn
}

// end resets the state for the next response.
func (s *respState) end() int {
	*s = respState{}
	return stepEnd
}

// isAtomChar is go-imap's ATOM-CHAR test (imapwire.IsAtomChar).
func isAtomChar(c byte) bool {
	switch c {
	case '(', ')', '{', ' ', '%', '*', '"', '\\', ']':
		return false
	}
	return !unicode.IsControl(rune(c))
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
