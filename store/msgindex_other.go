//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// dropIndexPages is a no-op where the index's mapped pages are not
// released by hand (see msgindex_linux.go).
func (db *DB) dropIndexPages() {}

// dropIndexPagesIn is a no-op too.
func (db *DB) dropIndexPagesIn(*bolt.Tx) {}
