package pst

import (
	"fmt"
	"io"
	"os"
)

// part is one output file being written.
type part struct {
	path, partial string
	f             *os.File
	d             *ndb
	uid           [16]byte
	storeName     string
	random        io.Reader     // the UID and search keys come from here
	nbt           []nbtEntry    // every node except messages
	msgNBT        *spill        // message NBT entries, ascending NID
	rows          *rowFile      // contents rows of every folder
	folders       []*partFolder // by FolderID; [0] is the IPM subtree
	msgs          int
	nextMsg       uint32
	estimate      int64 // bytes finish will still add, roughly
}

type partFolder struct {
	nid      uint32
	name     string
	parent   FolderID
	children []FolderID
	rows     rowChain // its contents rows in part.rows
	unread   int
}

// openPart creates path+".partial" and the part's temporary files; the
// store's UID is read from random.
func openPart(path, tmpDir, storeName string, random io.Reader) (*part, error) {
	partial := path + ".partial"
	f, err := os.OpenFile(partial, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", partial, err)
	}
	p := &part{path: path, partial: partial, f: f, storeName: storeName, random: random, nextMsg: firstMessageIdx}
	fail := func(err error) (*part, error) {
		p.abort()
		return nil, err
	}
	if _, err := io.ReadFull(random, p.uid[:]); err != nil {
		return fail(fmt.Errorf("store UID: %w", err))
	}
	if p.d, err = newNDB(f, tmpDir); err != nil {
		return fail(err)
	}
	if p.msgNBT, err = newSpill(tmpDir, "nbt"); err != nil {
		return fail(err)
	}
	if p.rows, err = newRowFile(tmpDir); err != nil {
		return fail(err)
	}
	p.folders = []*partFolder{{nid: nidIPMSubtree, parent: -1}}
	return p, nil
}

// addFolder creates the folder with the next FolderID under parent.
func (p *part) addFolder(parent FolderID, name string) FolderID {
	id := FolderID(len(p.folders))
	nid := uint32(firstFolderIdx+len(p.folders)-1)<<5 | 0x02
	p.folders = append(p.folders, &partFolder{nid: nid, name: name, parent: parent})
	pf := p.folders[parent]
	pf.children = append(pf.children, id)
	return id
}

// projectedSize is a safe estimate of the file's final size if a message of
// msgSize input bytes is added: what is written, the message at worst
// (text doubles as UTF-16, plus tree overhead), the B-tree pages (a BBT
// leaf entry per block, an NBT entry per message), the contents rows and
// folder tables, rounded up to whole AMap regions.
func (p *part) projectedSize(msgSize int64) int64 {
	n := p.d.pos + p.estimate + 3*msgSize + 64<<10
	n += (p.d.blocks+msgSize/4000+16)*26 + int64(p.msgs+1)*36 + int64(len(p.folders))*8<<10
	return regionStart((n - amapFirst + regionSize - 1) / regionSize)
}

// abort closes the partial file (it stays, under its .partial name) and
// removes every temporary file.
func (p *part) abort() {
	p.cleanupTemp()
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
}

func (p *part) cleanupTemp() {
	if p.d != nil {
		p.d.bbt.close()
		p.d.w.stop()
	}
	p.msgNBT.close()
	p.rows.close()
}

// close finalises the file; it keeps its .partial name (Writer.Close
// renames every file of the series once the last one is complete).
func (p *part) close() error {
	defer p.cleanupTemp()
	if err := p.writeFolders(); err != nil {
		return fmt.Errorf("write folders of %s: %w", p.path, err)
	}
	if err := p.writeSpecial(); err != nil {
		return fmt.Errorf("write store nodes of %s: %w", p.path, err)
	}
	rd, err := p.msgNBT.reader()
	if err != nil {
		return err
	}
	if p.msgNBT.n == 0 {
		rd = nil
	}
	var hi headerInfo
	for i := range hi.rgnid {
		hi.rgnid[i] = 0x400
	}
	hi.rgnid[0x02] = uint32(firstFolderIdx + len(p.folders) - 1)
	hi.rgnid[0x03] = 0x4000
	hi.rgnid[0x04] = p.nextMsg
	hi.rgnid[0x08] = 0x8000
	hi.rgnid[0x0D], hi.rgnid[0x0E], hi.rgnid[0x0F] = hi.rgnid[0x02], hi.rgnid[0x02], hi.rgnid[0x02]
	hi.unique = 1
	if _, err := p.d.finish(mergeNBT(p.nbt, rd), hi); err != nil {
		return fmt.Errorf("finish %s: %w", p.path, err)
	}
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", p.partial, err)
	}
	if err := p.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", p.partial, err)
	}
	p.f = nil
	return nil
}

func (p *part) node(nid uint32, bidData, bidSub uint64, parent uint32) {
	p.nbt = append(p.nbt, nbtEntry{nid, bidData, bidSub, parent})
}

// pcNode writes a PC as a whole node.
func (p *part) pcNode(nid, parent uint32, props []prop) error {
	subs := newSubnodes(p.d)
	bid, _, err := writePC(p.d, props, subs)
	if err != nil {
		return err
	}
	sub, err := subs.finish()
	if err != nil {
		return err
	}
	p.node(nid, bid, sub, parent)
	return nil
}

// tcNode writes a TC with the given rows as a whole node.
func (p *part) tcNode(nid uint32, cols []colSpec, ids []uint32, rows [][]prop) error {
	subs := newSubnodes(p.d)
	bid, err := writeTC(p.d, cols, rows, ids, subs)
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
