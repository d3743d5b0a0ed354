package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// fidelity compares every message on the source (bytes via BODY.PEEK[],
// flags with keywords, INTERNALDATE, by folder and UID) with Mailshift's
// store, and says how many are identical.
func fidelity(d *testenv.Dovecot, data string, want int) error {
	db, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	states, err := db.FolderStates(benchBox)
	if err != nil {
		return err
	}
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(testenv.DefaultUser, testenv.DefaultPassword).Wait(); err != nil {
		return err
	}
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		return err
	}
	same, checked := 0, 0
	var diffs []string
	for _, b := range boxes {
		if _, err := c.Select(b.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			continue
		}
		stored := map[uint32]store.MessageRecord{}
		db.ForEachMessage(benchBox, b.Mailbox, states[b.Mailbox].UIDValidity, func(m store.MessageRecord) error { stored[m.UID] = m; return nil })
		cmd := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var uid uint32
			var flags []string
			var date string
			var hash store.Hash
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = uint32(it.UID)
				case imapclient.FetchItemDataFlags:
					for _, f := range it.Flags {
						if !strings.EqualFold(string(f), `\Recent`) {
							flags = append(flags, string(f))
						}
					}
				case imapclient.FetchItemDataInternalDate:
					date = it.Time.UTC().String()
				case imapclient.FetchItemDataBodySection:
					h := sha256.New()
					io.Copy(h, it.Literal)
					copy(hash[:], h.Sum(nil))
				}
			}
			checked++
			m, ok := stored[uid]
			sort.Strings(flags)
			got := append([]string(nil), m.Flags...)
			sort.Strings(got)
			switch {
			case !ok:
				diffs = append(diffs, fmt.Sprintf("%s uid %d: not stored", b.Mailbox, uid))
			case m.Hash != hash:
				diffs = append(diffs, fmt.Sprintf("%s uid %d: bytes differ", b.Mailbox, uid))
			case strings.Join(got, " ") != strings.Join(flags, " "):
				diffs = append(diffs, fmt.Sprintf("%s uid %d: flags %v, source %v", b.Mailbox, uid, got, flags))
			case m.InternalDate.UTC().String() != date:
				diffs = append(diffs, fmt.Sprintf("%s uid %d: date %v, source %s", b.Mailbox, uid, m.InternalDate, date))
			default:
				same++
			}
		}
		if err := cmd.Close(); err != nil {
			return err
		}
	}
	fmt.Printf("fidelity: %d of %d source messages stored byte-identical with flags, keywords and INTERNALDATE (corpus %d)\n", same, checked, want)
	for i, d := range diffs {
		if i == 10 {
			fmt.Printf("  ... and %d more\n", len(diffs)-10)
			break
		}
		fmt.Println("  " + d)
	}
	if same != want || checked != want {
		return fmt.Errorf("fidelity check failed: %d of %d identical", same, want)
	}
	return nil
}
