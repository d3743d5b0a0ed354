package sync

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/store"
)

// ServerInfo is a server's fingerprint and its folders for one login.
type ServerInfo struct {
	Server       string       `json:"server"`
	Fingerprint  string       `json:"fingerprint,omitempty"` // TLS certificate SHA-256
	Capabilities []string     `json:"capabilities"`
	Separator    string       `json:"separator"`
	Prefix       string       `json:"prefix"` // personal namespace prefix
	AppendLimit  int64        `json:"append_limit,omitempty"`
	CondStore    bool         `json:"condstore"`
	Folders      []FolderInfo `json:"folders"`
}

// FolderInfo is one folder's attributes and counts.
type FolderInfo struct {
	Name          string   `json:"name"`
	Attrs         []string `json:"attrs,omitempty"`
	SpecialUse    string   `json:"special_use,omitempty"`
	NoSelect      bool     `json:"noselect,omitempty"`
	HighestModSeq uint64   `json:"highest_modseq,omitempty"`
	store.Inventory
}

// Totals sums the folders' counts.
func (s ServerInfo) Totals() (messages int, bytes int64) {
	for _, f := range s.Folders {
		messages += f.Messages
		bytes += f.Bytes
	}
	return
}

var specialUses = map[imap.MailboxAttr]bool{imap.MailboxAttrSent: true, imap.MailboxAttrDrafts: true,
	imap.MailboxAttrJunk: true, imap.MailboxAttrTrash: true, imap.MailboxAttrArchive: true, imap.MailboxAttrAll: true, imap.MailboxAttrFlagged: true}

// Probe reads the server's capabilities, namespace and folder list
// (without per-folder counts).
func (c *Conn) Probe(ctx context.Context) (ServerInfo, error) {
	info := ServerInfo{Server: c.ep.Addr(), Fingerprint: c.Fingerprint}
	caps := c.Caps()
	for cp := range caps {
		info.Capabilities = append(info.Capabilities, string(cp))
	}
	sort.Strings(info.Capabilities)
	if lim, ok := caps.AppendLimit(); ok && lim != nil {
		info.AppendLimit = int64(*lim)
	}
	info.CondStore = caps.Has(imap.CapCondStore) || caps.Has(imap.CapQResync)
	if caps.Has(imap.CapNamespace) || caps.Has(imap.CapIMAP4rev2) {
		var ns *imap.NamespaceData
		err := c.do(ctx, func() (err error) { ns, err = c.Namespace().Wait(); return })
		if err != nil {
			return info, fmt.Errorf("read namespaces of %s: %w", info.Server, classify(info.Server, err, ""))
		}
		if ns != nil && len(ns.Personal) > 0 {
			info.Prefix = ns.Personal[0].Prefix
			if ns.Personal[0].Delim != 0 {
				info.Separator = string(ns.Personal[0].Delim)
			}
		}
	}
	var boxes []*imap.ListData
	err := c.do(ctx, func() (err error) { boxes, err = c.List("", "*", nil).Collect(); return })
	if err != nil {
		return info, fmt.Errorf("list folders of %s: %w", info.Server, classify(info.Server, err, ""))
	}
	for _, b := range boxes {
		f := FolderInfo{Name: b.Mailbox}
		for _, a := range b.Attrs {
			f.Attrs = append(f.Attrs, string(a))
			if specialUses[a] && f.SpecialUse == "" {
				f.SpecialUse = string(a)
			}
			if a == imap.MailboxAttrNoSelect || a == imap.MailboxAttrNonExistent {
				f.NoSelect = true
			}
		}
		if info.Separator == "" && b.Delim != 0 {
			info.Separator = string(b.Delim)
		}
		info.Folders = append(info.Folders, f)
	}
	sort.Slice(info.Folders, func(i, j int) bool { return folderLess(info.Folders[i].Name, info.Folders[j].Name) })
	return info, nil
}

// folderLess puts INBOX first, then names in order.
func folderLess(a, b string) bool {
	ai, bi := strings.EqualFold(a, "INBOX"), strings.EqualFold(b, "INBOX")
	if ai != bi {
		return ai
	}
	return a < b
}

// Inventory probes the server and counts every selectable folder: messages,
// total and largest size, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ. Folders are
// opened read-only.
func (c *Conn) Inventory(ctx context.Context) (ServerInfo, error) {
	info, err := c.Probe(ctx)
	if err != nil {
		return info, err
	}
	for i := range info.Folders {
		f := &info.Folders[i]
		if f.NoSelect {
			continue
		}
		if err := c.countFolder(ctx, f, info.CondStore); err != nil {
			return info, err
		}
	}
	return info, nil
}

func (c *Conn) countFolder(ctx context.Context, f *FolderInfo, condstore bool) error {
	var sel *imap.SelectData
	err := c.do(ctx, func() (err error) {
		sel, err = c.Select(f.Name, &imap.SelectOptions{ReadOnly: true, CondStore: condstore}).Wait()
		return
	})
	if err != nil {
		return fmt.Errorf("open folder %q read-only: %w", f.Name, classify(c.ep.Addr(), err, ""))
	}
	f.UIDValidity, f.UIDNext, f.HighestModSeq = sel.UIDValidity, uint32(sel.UIDNext), sel.HighestModSeq
	f.Messages = int(sel.NumMessages)
	if sel.NumMessages == 0 {
		return nil
	}
	return c.do(ctx, func() error {
		cmd := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{RFC822Size: true})
		defer cmd.Close()
		for {
			msg := cmd.Next()
			if msg == nil {
				break
			}
			for item := msg.Next(); item != nil; item = msg.Next() {
				if sz, ok := item.(imapclient.FetchItemDataRFC822Size); ok {
					f.Bytes += sz.Size
					if sz.Size > f.Largest {
						f.Largest = sz.Size
					}
				}
			}
		}
		return cmd.Close()
	})
}
