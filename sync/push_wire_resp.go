package sync

import (
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// taggedResp is a parsed tagged response: "W7 OK [APPENDUID 9 3:5] Done".
type taggedResp struct {
	Type imap.StatusResponseType
	Code imap.ResponseCode
	Args string // what follows the code inside the brackets
	Text string
}

func parseTagged(tag, line string) taggedResp {
	rest := strings.TrimPrefix(line, tag+" ")
	typ, rest, _ := strings.Cut(rest, " ")
	r := taggedResp{Type: imap.StatusResponseType(strings.ToUpper(typ))}
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			code := rest[1:end]
			name, args, _ := strings.Cut(code, " ")
			r.Code, r.Args = imap.ResponseCode(strings.ToUpper(name)), args
			rest = strings.TrimPrefix(rest[end+1:], " ")
		}
	}
	r.Text = rest
	return r
}

// err is nil for OK, else the answer as go-imap's *imap.Error, so that the
// engine's classification (quota, too big, TRYCREATE) applies unchanged.
func (r taggedResp) err() error {
	if r.Type == imap.StatusResponseTypeOK {
		return nil
	}
	return &imap.Error{Type: r.Type, Code: r.Code, Text: r.Text}
}

func tagged(tag, line string) error { return parseTagged(tag, line).err() }

// appendUIDs reads APPENDUID's arguments (RFC 4315: UIDVALIDITY, then a
// UID set in the order of the appended messages). ok is false when they do
// not name exactly n UIDs.
func appendUIDs(args string, n int) (uidValidity uint32, uids []uint32, ok bool) {
	f := strings.Fields(args)
	if len(f) != 2 {
		return 0, nil, false
	}
	uv, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil {
		return 0, nil, false
	}
	for _, part := range strings.Split(f[1], ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 32)
		}
		if err1 != nil || err2 != nil || a == 0 || b == 0 {
			return 0, nil, false
		}
		step := uint64(1)
		if b < a {
			step = ^uint64(0) // descending range: as RFC 4315 allows
		}
		for u := a; ; u += step {
			if len(uids) == n {
				return 0, nil, false // more UIDs than messages
			}
			uids = append(uids, uint32(u))
			if u == b {
				break
			}
		}
	}
	return uint32(uv), uids, len(uids) == n
}

// quoted writes s as an IMAP quoted string; ok is false when s cannot be
// one (CR, LF, NUL or 8-bit characters need a literal).
func quoted(s string) (string, bool) {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0 || c == '\r' || c == '\n' || c >= 0x80:
			return "", false
		case c == '"' || c == '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String(), true
}

// wireMailbox is a folder name as APPEND carries it: INBOX as an atom,
// others in modified UTF-7 (RFC 3501), quoted.
func wireMailbox(name string) (string, bool) {
	if isInbox(name) {
		return "INBOX", true
	}
	enc, err := EncodeMUTF7(name)
	if err != nil {
		return "", false
	}
	return quoted(enc)
}

// wireFlags is the flag list of an upload (uploadFlags) as IMAP writes it.
func wireFlags(flags []string) string {
	return "(" + strings.Join(uploadFlags(flags), " ") + ")"
}

// uploadFlags are the flags an upload sets, and a flag update keeps in
// step (push_flags.go): the stored flags without \Recent (which only the
// server sets) and without anything that is not a valid flag atom. The
// stored slice itself when nothing is left out.
func uploadFlags(flags []string) []string {
	drop := func(f string) bool { return strings.EqualFold(f, `\Recent`) || !flagAtom(f) }
	if !slices.ContainsFunc(flags, drop) {
		return flags
	}
	return slices.DeleteFunc(slices.Clone(flags), drop)
}

func flagAtom(f string) bool {
	body := strings.TrimPrefix(f, `\`)
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return false
		}
	}
	return true
}

// codeAppendUID is UIDPLUS's response code (RFC 4315), which go-imap
// parses but does not name.
const codeAppendUID imap.ResponseCode = "APPENDUID"
