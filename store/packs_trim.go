package store

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// trimPackTails gives back the disk space an interrupted run left at the
// ends of packs: the bytes after the last message the index refers to.
// They belong to no message. An index entry is written only after its
// bytes are durable, so a crash, a cancelled fetch or a failed commit
// leaves its unindexed bytes behind; at a pull's batch size that is up to
// tens of megabytes per connection each time.
//
// Contract: call it only before this DB's first writer takes a pack number
// (nextPack does). Then every pack in entries was written by a writer that
// is gone, a pack is never written again once its writer is gone, and
// nothing indexed from now on can point past today's ends: new bytes go
// to new packs, and a record for bytes already stored points at their
// indexed copy. Readers are unaffected: they read only indexed bytes. A
// pack nothing refers to is removed, as Close removes an empty one.
//
// Best effort: a failure leaves the space taken and nothing else. It
// returns how many bytes it gave back.
func (db *DB) trimPackTails(entries []os.DirEntry) (freed int64) {
	ends := map[uint32]uint64{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return forEachBlob(tx, func(_ Hash, bl Blob) error {
			ends[bl.Pack] = max(ends[bl.Pack], bl.Offset+bl.Size)
			return nil
		})
	})
	if err != nil {
		return 0 // a damaged index: leave every byte for the check to explain
	}
	for _, e := range entries {
		n, ok := db.packNumber(e.Name())
		if !ok {
			continue // not a pack of ours
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		end, path := ends[n], db.packPath(n)
		switch {
		case end == 0: // empty too: a crash between creating a pack and closing it
			err = os.Remove(path)
		case uint64(info.Size()) > end:
			err = os.Truncate(path, int64(end))
		default:
			continue
		}
		if err == nil {
			freed += info.Size() - int64(end)
		}
	}
	return freed
}

// unreferencedBytes is how many bytes of the pack files none of blobs
// covers (copies may overlap: they are counted once). Packs that cannot be
// listed count nothing: the check reports missing bytes on its own.
func (db *DB) unreferencedBytes(blobs []Blob) int64 {
	slices.SortFunc(blobs, func(a, b Blob) int {
		return cmp.Or(cmp.Compare(a.Pack, b.Pack), cmp.Compare(a.Offset, b.Offset))
	})
	covered := map[uint32]uint64{}
	var pack uint32
	var reach uint64 // the end of what is covered so far in pack
	for _, bl := range blobs {
		if bl.Pack != pack {
			pack, reach = bl.Pack, 0
		}
		from, to := max(bl.Offset, reach), bl.Offset+bl.Size
		if to > from {
			covered[pack] += to - from
			reach = to
		}
	}
	entries, err := os.ReadDir(db.packDir())
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		num, ok := db.packNumber(e.Name())
		if !ok {
			continue
		}
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && uint64(info.Size()) > covered[num] {
			n += info.Size() - int64(covered[num])
		}
	}
	return n
}

// packNumber is the number of the pack file named name; false for any
// other file.
func (db *DB) packNumber(name string) (uint32, bool) {
	var n uint32
	if _, err := fmt.Sscanf(name, "%08x.pack", &n); err != nil || filepath.Base(db.packPath(n)) != name {
		return 0, false
	}
	return n, true
}
