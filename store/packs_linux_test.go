package store

import (
	"bytes"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cachedFraction is the share of a file's pages in the page cache (mincore
// over a read-only mapping of it).
func cachedFraction(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	m, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (len(m)+os.Getpagesize()-1)/os.Getpagesize())
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return float64(n) / float64(len(vec))
}

// Bytes made durable — by Sync or by Flush's durable — leave the page
// cache, and what was appended after stays: a pull's gigabytes of packs do
// not crowd the cache, and nothing unsynced is dropped (which would lose
// nothing either, but would force the kernel to write it out early).
func TestSyncedPackBytesLeaveThePageCache(t *testing.T) {
	db := openTemp(t)
	pw, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	msg := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MB
	for i := 0; i < 8; i++ {
		if _, _, err := pw.Append(bytes.NewReader(msg), int64(len(msg))); err != nil {
			t.Fatal(err)
		}
	}
	path := db.packPath(pw.pack)
	if err := pw.Sync(); err != nil {
		t.Fatal(err)
	}
	if c := cachedFraction(t, path); c > 0.1 {
		t.Fatalf("%.0f%% of a synced pack is still cached", c*100)
	}
	for i := 0; i < 8; i++ {
		pw.Append(bytes.NewReader(msg), int64(len(msg)))
	}
	durable, err := pw.Flush()
	if err != nil {
		t.Fatal(err)
	}
	if c := cachedFraction(t, path); c < 0.4 {
		t.Fatalf("only %.0f%% of a pack whose second half is not yet durable is cached", c*100)
	}
	if err := durable(); err != nil {
		t.Fatal(err)
	}
	if c := cachedFraction(t, path); c > 0.1 {
		t.Fatalf("%.0f%% of a pack is cached after durable", c*100)
	}
}
