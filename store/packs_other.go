//go:build !linux

package store

import "os"

// dropCached is a no-op where synced pack bytes are left to the page
// cache (see packs_linux.go).
func dropCached(f *os.File, from, to uint64) {}
