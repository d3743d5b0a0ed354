package pst

import (
	"cmp"
	"slices"
)

// Message flags (PidTagMessageFlags).
const (
	msgflagRead      = 0x01
	msgflagUnsent    = 0x08
	msgflagHasAttach = 0x10
)

// folderInfo is what a hierarchy row and a folder PC say about a folder.
type folderInfo struct {
	nid         uint32
	name        string
	count       int
	unread      int
	hasChildren bool
	class       string
}

func (fi folderInfo) props() []prop {
	ps := []prop{pStr(0x3001, fi.name), pI32(0x3602, int32(fi.count)), pI32(0x3603, int32(fi.unread)),
		pBool(0x360A, fi.hasChildren)}
	if fi.class != "" {
		ps = append(ps, pStr(0x3613, fi.class))
	}
	return ps
}

func (p *part) info(id FolderID) folderInfo {
	f := p.folders[id]
	fi := folderInfo{nid: f.nid, name: f.name, count: f.rows.n, unread: f.unread,
		hasChildren: len(f.children) > 0, class: "IPF.Note"}
	if id == 0 {
		fi.name, fi.class = "Top of Personal Folders", ""
		fi.hasChildren = true
	}
	return fi
}

// writeFolders writes every user folder, the IPM subtree, Deleted Items,
// the search root and the root folder, each with its three tables.
func (p *part) writeFolders() error {
	deleted := folderInfo{nid: nidDeletedItems, name: "Deleted Items", class: "IPF.Note"}
	for id := range p.folders {
		fi := p.info(FolderID(id))
		var kids []folderInfo
		for _, c := range p.folders[id].children {
			kids = append(kids, p.info(c))
		}
		parent := uint32(nidRootFolder)
		if id != 0 {
			parent = p.folders[p.folders[id].parent].nid
			if err := p.folderNode(fi, parent, kids, p.folders[id].rows); err != nil {
				return err
			}
			continue
		}
		kids = append(kids, deleted)
		if err := p.folderNode(fi, parent, kids, rowChain{}); err != nil {
			return err
		}
	}
	if err := p.folderNode(deleted, nidIPMSubtree, nil, rowChain{}); err != nil {
		return err
	}
	search := folderInfo{nid: nidSearchRoot, name: "Search Root"}
	if err := p.folderNode(search, nidRootFolder, nil, rowChain{}); err != nil {
		return err
	}
	spam := folderInfo{nid: nidSpamSearch, name: "SPAM Search Folder 2"}
	root := folderInfo{nid: nidRootFolder, hasChildren: true}
	top := p.info(0)
	return p.folderNode(root, nidRootFolder, []folderInfo{top, search, spam}, rowChain{})
}

// folderNode writes a folder PC and its hierarchy, contents and FAI tables.
func (p *part) folderNode(fi folderInfo, parent uint32, kids []folderInfo, contents rowChain) error {
	if err := p.pcNode(fi.nid, parent, fi.props()); err != nil {
		return err
	}
	slices.SortFunc(kids, func(a, b folderInfo) int { return cmp.Compare(a.nid, b.nid) })
	var ids []uint32
	var rows [][]prop
	for _, k := range kids {
		ids = append(ids, k.nid)
		rows = append(rows, k.props())
	}
	base := fi.nid &^ 0x1F
	if err := p.tcNode(base|0x0D, hierCols, ids, rows); err != nil {
		return err
	}
	if err := p.contentsTable(base|0x0E, contents); err != nil {
		return err
	}
	return p.tcNode(base|0x0F, faiCols, nil, nil)
}

// contentsTable streams a folder's contents rows from the spill file.
func (p *part) contentsTable(nid uint32, rows rowChain) error {
	subs := newSubnodes(p.d)
	t, err := newTC(p.d, contCols, rows.n, subs)
	if err != nil {
		return err
	}
	err = p.rows.each(rows, func(r contentsRow) error { return t.addRow(r.nid, r.props()) })
	if err != nil {
		return err
	}
	bid, err := t.finish()
	if err != nil {
		return err
	}
	sub, err := subs.finish()
	if err != nil {
		return err
	}
	p.node(nid, bid, sub, 0)
	return nil
}
