package export

import (
	"context"
	"os"
	"strings"
	"testing"

	"mailshift/export/internal/corpus"
	"mailshift/internal/testenv"
)

// An export that fills its disk (a real 1 MB tmpfs) stops with a message
// that says so and what to do, removes its unfinished files so the space
// comes back, and the same disk then takes a smaller export whole.
func TestExportOnAFullDiskGivesTheSpaceBack(t *testing.T) {
	big, _ := memFrom(corpus.Bulk("Inbox", 60, 50000, 4))
	small, want := memFrom(corpus.Bulk("Inbox", 5, 2000, 5))
	for _, format := range []Format{PST, MBOX, EML} {
		t.Run(string(format), func(t *testing.T) {
			dir := testenv.SmallDisk(t, 1<<20, 0)
			_, err := Run(context.Background(), big, Options{Format: format, OutDir: dir, Name: "box"})
			if err == nil || !strings.Contains(err.Error(), "ran out of space") || !strings.Contains(err.Error(), "export again") {
				t.Fatalf("got %v, want the full disk worded", err)
			}
			t.Logf("said: %v", err)
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("left on the full disk: %v", left)
			}
			res, err := Run(context.Background(), small, Options{Format: format, OutDir: dir, Name: "box"})
			if err != nil || res.Messages != len(want["Inbox"]) {
				t.Fatalf("a small export afterwards: %v (%d messages)", err, res.Messages)
			}
		})
	}
}

// A disk with bytes to spare but room for only a few more files (inodes):
// wherever the export stops — creating its first file, its spill files,
// its manifest or its messages — it says the disk ran out of space and
// leaves nothing behind.
func TestExportOnADiskOutOfFilesLeavesNothing(t *testing.T) {
	src, _ := memFrom(corpus.Bulk("Inbox", 5, 2000, 5))
	for _, format := range []Format{PST, MBOX, EML} {
		for inodes := 2; inodes <= 4; inodes++ {
			dir := testenv.SmallDisk(t, 8<<20, inodes)
			_, err := Run(context.Background(), src, Options{Format: format, OutDir: dir, Name: "box"})
			left, _ := os.ReadDir(dir)
			if err == nil {
				continue // it fitted
			}
			if !strings.Contains(err.Error(), "ran out of space") || len(left) != 0 {
				t.Errorf("%s with %d inodes: %v; left %v", format, inodes, err, left)
			}
		}
	}
}
