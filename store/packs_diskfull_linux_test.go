package store

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"mailshift/internal/testenv"
)

// A pack writer that fills the disk says so (IsDiskFull), and Close cuts
// the pack back to what was flushed: the failed tail belongs to no batch,
// and its space is the user's again. What was flushed before reads back.
func TestPackOnAFullDiskIsCutBackToWhatWasFlushed(t *testing.T) {
	db, pw := packWriterIn(t, filepath.Join(testenv.SmallDisk(t, 4<<20, 0), "data"))
	msg := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KB
	var kept []Blob
	for i := 0; i < 2; i++ {
		_, bl, err := pw.Append(bytes.NewReader(msg), int64(len(msg)))
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, bl)
	}
	durable, err := pw.Flush()
	if err != nil {
		t.Fatal(err)
	}
	if err := durable(); err != nil {
		t.Fatal(err)
	}
	flushed := pw.size
	var failed error
	for i := 0; i < 40 && failed == nil; i++ { // 10 MB onto a 4 MB disk
		_, _, failed = pw.Append(bytes.NewReader(msg), int64(len(msg)))
	}
	if !IsDiskFull(failed) {
		t.Fatalf("10 MB written to a 4 MB disk, and the failure was %v", failed)
	}
	if _, err := pw.Flush(); !IsDiskFull(err) {
		t.Fatalf("a flush after the disk filled said %v", err)
	}
	path := db.packPath(pw.pack)
	if err := pw.Close(); !IsDiskFull(err) {
		t.Fatalf("Close after the disk filled said %v", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != int64(flushed) {
		t.Fatalf("the pack is %d bytes after Close, not the %d flushed", st.Size(), flushed)
	}
	if free, err := db.FreeBytes(); err != nil || free < 3<<20 {
		t.Fatalf("%d bytes free after the cut (%v): the failed tail still takes the disk", free, err)
	}
	for _, bl := range kept {
		rc, err := db.OpenBlob(bl)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("a flushed message reads back wrong (%d bytes, %v)", len(got), err)
		}
	}
}
