//go:build linux

package pst

import (
	"os"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE: start writing the dirty
// pages of the range, without waiting for them.
const syncFileRangeWrite = 2

// startWriteback asks the kernel to start writing f's dirty pages in
// [from, to) to disk, without waiting (sync_file_range(2)), so that the
// disk works while messages are still being mapped and the fsync at Close
// has little left to do. Best effort: errors are ignored.
func startWriteback(f *os.File, from, to int64) {
	if to <= from {
		return
	}
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { syscall.SyncFileRange(int(fd), from, to-from, syncFileRangeWrite) })
	}
}
