package testenv

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// maildirFlags maps IMAP system flags to Maildir info letters.
var maildirFlags = map[imap.Flag]byte{imap.FlagDraft: 'D', imap.FlagFlagged: 'F', imap.FlagAnswered: 'R', imap.FlagSeen: 'S', imap.FlagDeleted: 'T'}

// LoadMaildir loads messages fast by writing Maildir files straight into
// the folder (a '/'-separated path, created when missing) and letting
// Dovecot index them with `doveadm force-resync`: thousands of messages a
// second, where one APPEND per message manages hundreds. Flags, keywords
// and INTERNALDATE (the file's mtime) are kept; UIDs follow msgs' order.
// Use it on a folder nobody is connected to.
func (d *Dovecot) LoadMaildir(user, folder string, msgs []Message) error {
	name := d.Mailbox(folder)
	if name != "INBOX" {
		if out, err := d.Doveadm("mailbox", "create", "-u", user, name); err != nil && !strings.Contains(out, "already exists") {
			return err
		}
	}
	// Dovecot creates the folder's directories as the mail user.
	if _, err := d.Doveadm("mailbox", "status", "-u", user, "messages", name); err != nil {
		return err
	}
	out, err := d.Doveadm("mailbox", "path", "-u", user, name)
	if err != nil {
		return err
	}
	dir := strings.TrimSpace(out)
	acct, err := mailAccount()
	if err != nil {
		return err
	}
	keywords := readKeywords(dir)
	for _, m := range msgs {
		for _, f := range m.Flags {
			if _, sys := maildirFlags[f]; !sys && !strings.HasPrefix(string(f), `\`) && keywords[f] == 0 {
				if len(keywords) == 26 {
					return fmt.Errorf("more than 26 keywords in %s", folder)
				}
				keywords[f] = byte('a' + len(keywords)) // letters already used stay as they are
			}
		}
	}
	if err := writeKeywords(dir, keywords, acct); err != nil {
		return err
	}
	cur := filepath.Join(dir, "cur")
	if err := os.MkdirAll(cur, 0o700); err != nil {
		return err
	}
	os.Chown(cur, acct.uid, acct.gid)
	base := time.Now().Unix()
	for _, m := range msgs {
		var info []byte
		for _, f := range m.Flags {
			if c, ok := maildirFlags[f]; ok {
				info = append(info, c)
			} else if c, ok := keywords[f]; ok {
				info = append(info, c)
			}
		}
		sort.Slice(info, func(a, b int) bool { return info[a] < info[b] })
		size := int64(len(m.Raw))
		if m.File != "" {
			st, err := os.Stat(m.File)
			if err != nil {
				return err
			}
			size = st.Size()
		}
		seq := d.maildirSeq.Add(1) // unique across calls, in load order
		path := filepath.Join(cur, fmt.Sprintf("%d.M%09dP%d.mailshift,S=%d:2,%s", base, seq, os.Getpid(), size, info))
		if err := writeMessage(path, m); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := os.Chown(path, acct.uid, acct.gid); err != nil && os.Geteuid() == 0 {
			return err
		}
		if !m.Date.IsZero() {
			if err := os.Chtimes(path, m.Date, m.Date); err != nil {
				return err
			}
		}
	}
	_, err = d.Doveadm("force-resync", "-u", user, name)
	return err
}

// writeMessage writes m's bytes (Raw, or a copy of File) to path.
func writeMessage(path string, m Message) error {
	if m.File == "" {
		return os.WriteFile(path, m.Raw, 0o600)
	}
	in, err := os.Open(m.File)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// readKeywords reads the keyword letters a folder already uses.
func readKeywords(dir string) map[imap.Flag]byte {
	out := map[imap.Flag]byte{}
	b, _ := os.ReadFile(filepath.Join(dir, "dovecot-keywords"))
	for _, line := range strings.Split(string(b), "\n") {
		var n int
		var kw string
		if _, err := fmt.Sscanf(line, "%d %s", &n, &kw); err == nil && n < 26 {
			out[imap.Flag(kw)] = byte('a' + n)
		}
	}
	return out
}

// writeKeywords records the keyword letters Dovecot reads for a folder.
func writeKeywords(dir string, keywords map[imap.Flag]byte, acct account) error {
	if len(keywords) == 0 {
		return nil
	}
	var b strings.Builder
	for kw, c := range keywords {
		fmt.Fprintf(&b, "%d %s\n", c-'a', kw)
	}
	path := filepath.Join(dir, "dovecot-keywords")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	os.Chown(path, acct.uid, acct.gid)
	return nil
}
