package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
	"mailshift/store"
	"mailshift/sync"
)

// loadWithMultiappend is the destination's own ingest rate: a trivial
// client sending the corpus (generated in chunks; only the sending is
// timed) as MULTIAPPENDs of 100 with LITERAL+ on one connection.
func loadWithMultiappend(d *testenv.Dovecot, n int) (row, error) {
	r := row{name: "loader: MULTIAPPEND x100 (1 conn)", note: "the destination's ingest rate"}
	conn, err := net.Dial("tcp", d.Addr)
	if err != nil {
		return r, err
	}
	defer conn.Close()
	br, bw := bufio.NewReader(conn), bufio.NewWriterSize(conn, 256<<10)
	tag := 0
	await := func() error {
		want := fmt.Sprintf("L%d ", tag)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return err
			}
			if strings.HasPrefix(line, want) {
				if !strings.HasPrefix(line, want+"OK") && !strings.Contains(line, "ALREADYEXISTS") {
					return fmt.Errorf("%s", strings.TrimSpace(line))
				}
				return nil
			}
		}
	}
	send := func(format string, args ...any) error {
		tag++
		fmt.Fprintf(bw, "L%d "+format+"\r\n", append([]any{tag}, args...)...)
		if err := bw.Flush(); err != nil {
			return err
		}
		return await()
	}
	if _, err := br.ReadString('\n'); err != nil {
		return r, err
	}
	if err := send("LOGIN loader %q", destUsers["loader"]); err != nil {
		return r, err
	}
	created := map[string]bool{}
	const chunk = 2000
	for start := 0; start < n; start += chunk {
		part := corpusRange(n, start, min(start+chunk, n))
		t0, m0, self := time.Now(), readMachine(), selfCPU()
		for _, f := range benchFolders {
			msgs := part[f.name]
			if len(msgs) == 0 {
				continue
			}
			name := loaderFolder(f.name)
			if !created[name] && name != "INBOX" {
				if err := send("CREATE %s", name); err != nil {
					return r, err
				}
			}
			created[name] = true
			for i := 0; i < len(msgs); i += 100 {
				tag++
				fmt.Fprintf(bw, "L%d APPEND %s", tag, name)
				for _, m := range msgs[i:min(i+100, len(msgs))] {
					var flags []string
					for _, f := range m.Flags {
						flags = append(flags, string(f))
					}
					fmt.Fprintf(bw, " (%s) %q {%d+}\r\n", strings.Join(flags, " "), m.Date.Format("_2-Jan-2006 15:04:05 -0700"), len(m.Raw))
					bw.Write(m.Raw)
					r.messages++
					r.bytes += int64(len(m.Raw))
				}
				bw.WriteString("\r\n")
				if err := bw.Flush(); err != nil {
					return r, err
				}
				if err := await(); err != nil {
					return r, fmt.Errorf("append to %s: %w", name, err)
				}
			}
		}
		r.wall += time.Since(t0)
		spent := m0.since()
		r.allCPU += spent.busy
		r.steal += spent.steal
		r.cpu += selfCPU() - self
	}
	return r, nil
}

// loaderFolder is a corpus folder under the destination's INBOX. prefix
// with '.' separators, in modified UTF-7, quoted.
func loaderFolder(name string) string {
	if name == "INBOX" {
		return name
	}
	enc, _ := sync.EncodeMUTF7("INBOX." + strings.ReplaceAll(name, "/", "."))
	return `"` + enc + `"`
}

func login(d *testenv.Dovecot, user, pw string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, pw).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// countFolders sums messages and sizes over every folder of a login.
func countFolders(d *testenv.Dovecot, user string) (msgs int, size int64, err error) {
	c, err := login(d, user, destUsers[user])
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		return 0, 0, err
	}
	for _, b := range boxes {
		if _, err := c.Select(b.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			continue
		}
		got, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{RFC822Size: true}).Collect()
		if err != nil {
			continue // an empty folder
		}
		for _, m := range got {
			msgs++
			size += m.RFC822Size
		}
	}
	return msgs, size, nil
}

// folderKeys reads a folder's messages as a multiset of bytes (SHA-256),
// flags with keywords (case-folded, sorted, without \Recent) and
// INTERNALDATE.
func folderKeys(c *imapclient.Client, mailbox string) (map[string]int, error) {
	out := map[string]int{}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil || sel.NumMessages == 0 {
		return out, err
	}
	cmd := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var flags []string
		var date int64
		var sum [32]byte
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataFlags:
				for _, f := range it.Flags {
					if !strings.EqualFold(string(f), `\Recent`) {
						flags = append(flags, strings.ToLower(string(f)))
					}
				}
			case imapclient.FetchItemDataInternalDate:
				date = it.Time.Unix()
			case imapclient.FetchItemDataBodySection:
				h := sha256.New()
				io.Copy(h, it.Literal)
				copy(sum[:], h.Sum(nil))
			}
		}
		sort.Strings(flags)
		out[fmt.Sprintf("%x|%s|%d", sum, strings.Join(flags, " "), date)]++
	}
	return out, cmd.Close()
}

// destFidelity compares every source folder with the destination folder
// Mailshift mapped it to, in user's mailbox on dst: the same messages,
// byte for byte, with their flags, keywords and INTERNALDATE, each
// exactly once.
func destFidelity(src, dst *testenv.Dovecot, data, user string, want int) error {
	db, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	m, ok, err := sync.LoadMapping(db, benchBox.ProjectID, benchBox.MailboxID)
	db.Close()
	if err != nil || !ok {
		return fmt.Errorf("no saved mapping (%v)", err)
	}
	sc, err := login(src, testenv.DefaultUser, testenv.DefaultPassword)
	if err != nil {
		return err
	}
	defer sc.Close()
	dc, err := login(dst, user, destUsers[user])
	if err != nil {
		return err
	}
	defer dc.Close()
	same, total := 0, 0
	var diffs []string
	for _, f := range m.Folders {
		if f.Container || f.Dest == "" {
			continue
		}
		a, err := folderKeys(sc, f.Source)
		if err != nil {
			return err
		}
		b, err := folderKeys(dc, f.Dest)
		if err != nil {
			return err
		}
		for k, n := range a {
			total += n
			same += min(n, b[k])
			if b[k] != n {
				diffs = append(diffs, fmt.Sprintf("%s -> %s: %s... there %d time(s), want %d", f.Source, f.Dest, k[:12], b[k], n))
			}
		}
		for k, n := range b {
			if a[k] == 0 {
				diffs = append(diffs, fmt.Sprintf("%s: %s... (%d) not from the source", f.Dest, k[:12], n))
			}
		}
	}
	fmt.Printf("fidelity (destination %s): %d of %d source messages on the destination exactly once, byte-identical, with flags, keywords and INTERNALDATE (corpus %d)\n", user, same, total, want)
	for i, d := range diffs {
		if i == 10 {
			fmt.Printf("  ... and %d more\n", len(diffs)-10)
			break
		}
		fmt.Println("  " + d)
	}
	if same != want || total != want || len(diffs) > 0 {
		return fmt.Errorf("destination fidelity check failed: %d of %d", same, want)
	}
	return nil
}
