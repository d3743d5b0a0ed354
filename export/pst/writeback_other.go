//go:build !linux

package pst

import "os"

// startWriteback does nothing where sync_file_range(2) does not exist: the
// fsync at Close writes everything (see writeback_linux.go).
func startWriteback(f *os.File, from, to int64) {}
