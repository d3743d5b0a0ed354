//go:build !linux

package store

// dropIndexPages is a no-op where the index's mapped pages are not
// released by hand (see msgindex_linux.go).
func (db *DB) dropIndexPages() {}
