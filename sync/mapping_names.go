package sync

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Namespace is how one server spells folder paths: its hierarchy
// separator and its personal namespace prefix ("INBOX." on Courier-style
// servers, "" on most others).
type Namespace struct {
	Separator string `json:"separator"`
	Prefix    string `json:"prefix"`
}

// maxLevelWire bounds one level's wire (mUTF-7) length, leaving room for a
// " (n)" suffix under the 255-byte file-name limit of servers that keep one
// directory per folder (Dovecot's Maildir and mbox layouts, Courier).
const maxLevelWire = 240

// fold is the key under which two names count as the same folder: servers
// such as Exchange and Gmail compare names without regard to case.
func fold(s string) string { return strings.ToLower(s) }

func isInbox(s string) bool { return strings.EqualFold(s, "INBOX") }

// inboxPrefix reports a prefix such as "INBOX." under which every folder
// is a child of INBOX.
func (ns Namespace) inboxPrefix() bool {
	return ns.Separator != "" && strings.EqualFold(ns.Prefix, "INBOX"+ns.Separator)
}

// levels splits a full folder name into its path below the namespace
// prefix. INBOX itself is one level "INBOX".
func (ns Namespace) levels(name string) []string {
	if isInbox(name) {
		return []string{"INBOX"}
	}
	if ns.Prefix != "" && len(name) > len(ns.Prefix) && strings.EqualFold(name[:len(ns.Prefix)], ns.Prefix) {
		name = name[len(ns.Prefix):]
	}
	if ns.Separator == "" {
		return []string{name}
	}
	return strings.Split(name, ns.Separator)
}

// join builds a full name from levels. On a server with an "INBOX." prefix
// a child of INBOX and a top-level folder are the same name, which the
// collision check then sees.
func (ns Namespace) join(levels []string) string {
	if len(levels) == 1 && isInbox(levels[0]) {
		return "INBOX"
	}
	if ns.inboxPrefix() && len(levels) > 1 && isInbox(levels[0]) {
		levels = levels[1:]
	}
	sep := ns.Separator
	if sep == "" {
		sep = "/"
	}
	return ns.Prefix + strings.Join(levels, sep)
}

// cleanLevel makes one level of a name acceptable to the destination and
// says why it changed: invalid UTF-8, the destination's separator, control
// or forbidden characters, leading or trailing spaces, an empty level, or
// a name too long for the destination's file system.
func cleanLevel(level string, dest Namespace, p Profile) (string, []Reason, []string) {
	var reasons []Reason
	var notes []string
	add := func(r Reason, note string) { reasons = append(reasons, r); notes = append(notes, note) }
	if !utf8.ValidString(level) {
		level = strings.ToValidUTF8(level, "\uFFFD")
		add(ReasonCharacter, "bytes that are not UTF-8 replaced by \uFFFD")
	}
	if dest.Separator != "" && strings.Contains(level, dest.Separator) {
		level = strings.ReplaceAll(level, dest.Separator, "_")
		add(ReasonSeparator, fmt.Sprintf("%q is the destination's hierarchy separator: replaced by \"_\"", dest.Separator))
	}
	bad := func(r rune) bool { return unicode.IsControl(r) || strings.ContainsRune(p.Forbidden, r) }
	if strings.IndexFunc(level, bad) >= 0 {
		level = strings.Map(func(r rune) rune {
			if bad(r) {
				return '_'
			}
			return r
		}, level)
		add(ReasonCharacter, "control characters or characters the destination refuses replaced by \"_\"")
	}
	if t := strings.TrimFunc(level, unicode.IsSpace); t != level {
		level = t
		add(ReasonSpaces, "leading or trailing spaces removed")
	}
	if level == "" {
		level = "(unnamed)"
		add(ReasonSpaces, "an empty name level became \"(unnamed)\"")
	}
	if wireLen(level) > maxLevelWire {
		for wireLen(level) > maxLevelWire {
			_, n := utf8.DecodeLastRuneInString(level)
			level = level[:len(level)-n]
		}
		level = strings.TrimRightFunc(level, unicode.IsSpace)
		add(ReasonLength, fmt.Sprintf("shortened to %d bytes on the wire", maxLevelWire))
	}
	return level, reasons, notes
}

func wireLen(s string) int {
	w, err := EncodeMUTF7(s)
	if err != nil {
		return len(s) * 4
	}
	return len(w)
}

// withSuffix renames the last level: "Name (2)", "Name (3)", ...
func withSuffix(levels []string, n int) []string {
	out := append([]string(nil), levels...)
	out[len(out)-1] = fmt.Sprintf("%s (%d)", out[len(out)-1], n)
	return out
}
