package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropIndexPages unmaps the index file's pages from this process (they
// stay in the page cache; the next read faults them back in). bbolt reads
// the index through a read-only shared mmap, and a pull touches a random
// leaf of the blob index per message (keys are content hashes), so without
// this the resident set grows with the size of the index — about 25 MB at
// 100,000 messages — although none of it is heap. It runs inside a read
// transaction, which keeps bbolt from remapping meanwhile, and only over
// the file's length, which is mapped; MADV_DONTNEED on a shared file
// mapping loses no data.
func (db *DB) dropIndexPages() {
	db.bolt.View(func(tx *bolt.Tx) error {
		syscall.Syscall(syscall.SYS_MADVISE, db.bolt.Info().Data, uintptr(tx.Size()), syscall.MADV_DONTNEED)
		return nil
	})
}
