package store

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	gosync "sync"
	"testing"
)

// openFDs counts this process's open files that are message packs.
func openPackFDs(t *testing.T, db *DB) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && filepath.Dir(target) == db.packDir() {
			n++
		}
	}
	return n
}

// Readers share a pack's open file, any number at once, each reading its
// own bytes; at most maxOpen packs stay open once their readers are done,
// and a pack still being read is never closed under its reader.
func TestBlobReadersShareBoundedOpenPacks(t *testing.T) {
	db := openTemp(t)
	db.reading.maxOpen = 3
	var blobs []Blob
	var bodies [][]byte
	for pack := 0; pack < 8; pack++ {
		pw, err := db.NewPackWriter()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			body := bytes.Repeat([]byte(fmt.Sprintf("pack %d message %d\r\n", pack, i)), 500+i)
			_, bl, err := pw.Append(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			blobs, bodies = append(blobs, bl), append(bodies, body)
		}
		if err := pw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// One reader of the first pack stays open throughout.
	held, err := db.OpenBlob(blobs[0])
	if err != nil {
		t.Fatal(err)
	}
	var wg gosync.WaitGroup
	errs := make(chan error, len(blobs)*4)
	for round := 0; round < 4; round++ {
		for i := range blobs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				rc, err := db.OpenBlob(blobs[i])
				if err != nil {
					errs <- err
					return
				}
				defer rc.Close()
				if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, bodies[i]) {
					errs <- fmt.Errorf("blob %d read back %d bytes (%v), want %d", i, len(got), err, len(bodies[i]))
				}
			}(i)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := openPackFDs(t, db); n > 3+1 {
		t.Fatalf("%d packs open after the readers closed, limit 3 (and the one still being read)", n)
	}
	if got, err := io.ReadAll(held); err != nil || !bytes.Equal(got, bodies[0]) {
		t.Fatalf("the reader held throughout read %d bytes (%v)", len(got), err)
	}
	held.Close()
	db.Close()
	if n := openPackFDs(t, db); n != 0 {
		t.Fatalf("%d packs still open after Close", n)
	}
}
