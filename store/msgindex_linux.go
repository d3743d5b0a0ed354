package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropIndexPages unmaps the index file's pages from this process (they
// stay in the page cache; the next read faults them back in). bbolt reads
// the index through a read-only shared mmap. A commit reads the leaves of
// the hash index's current generation (keys are content hashes, so any of
// them) and the ends of the folders it appends to; once a generation is
// full the pull never reads it again, but without this its pages would
// stay resident, and the resident set would grow with the size of the
// index (about 25 MB at 100,000 messages with the single schema-1 tree)
// although none of it is heap. It runs inside a read transaction, which
// keeps bbolt from remapping meanwhile, and only over the file's length,
// which is mapped; MADV_DONTNEED on a shared file mapping loses no data.
func (db *DB) dropIndexPages() {
	db.bolt.View(func(tx *bolt.Tx) error {
		db.dropIndexPagesIn(tx)
		return nil
	})
}

// dropIndexPagesIn is dropIndexPages inside a transaction the caller holds:
// a long walk over the index calls it as it goes, so that the pages it has
// read do not pile up in the resident set.
func (db *DB) dropIndexPagesIn(tx *bolt.Tx) {
	syscall.Syscall(syscall.SYS_MADVISE, db.bolt.Info().Data, uintptr(tx.Size()), syscall.MADV_DONTNEED)
}
