package pst

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"mailshift/export/internal/corpus"
)

// heapInuseAfterGC is the heap in use once garbage is collected.
func heapInuseAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestLiveHeapFlatOverMessages writes 20,000 small messages into one
// folder (the pipelined path, default workers) and measures the live heap
// after Flush and a GC at 4,000 and at 20,000 messages: the 16,000
// messages in between may leave at most maxGrowth bytes behind (under 8
// bytes a message — a per-message offset, map entry or B-tree entry kept
// in memory would exceed it). The file is then closed and checked.
func TestLiveHeapFlatOverMessages(t *testing.T) {
	const first, total = 4000, 20000
	const maxGrowth = 128 << 10
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flat.pst")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	folder, err := w.AddFolder(Top, "Bulk")
	if err != nil {
		t.Fatal(err)
	}
	var atFirst uint64
	n := 0
	corpus.BulkEach("Bulk", total, 400, 11, func(m corpus.Message) {
		if t.Failed() {
			return
		}
		if err := w.AddMessage(ctx, folder, bytes.NewReader(m.Raw), MessageMeta{Flags: m.Flags, InternalDate: m.Date}); err != nil {
			t.Errorf("add message %d: %v", n, err)
			return
		}
		if n++; n == first {
			if err := w.Flush(ctx); err != nil {
				t.Errorf("flush: %v", err)
			}
			atFirst = heapInuseAfterGC()
		}
	})
	if t.Failed() {
		return
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	atTotal := heapInuseAfterGC()
	growth := int64(atTotal) - int64(atFirst)
	t.Logf("heap in use after GC: %d KB at %d messages, %d KB at %d messages (%+d bytes, %.1f bytes a message)",
		atFirst>>10, first, atTotal>>10, total, growth, float64(growth)/(total-first))
	if growth > maxGrowth {
		t.Errorf("live heap grew by %d KB from %d to %d messages in one folder (limit %d KB): the writer keeps something per message in memory",
			growth>>10, first, total, maxGrowth>>10)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Messages != total {
		t.Fatalf("wrote %d messages, want %d", st.Messages, total)
	}
	mustCheck(t, path)
}
