package sync

import (
	"context"
	gosync "sync"
	"testing"
	"time"
)

// Counted from many goroutines, painted at most every interval, and always
// one final snapshot with the exact totals.
func TestMeterCountsFastPaintsSlowly(t *testing.T) {
	m := NewMeter()
	ctx, cancel := context.WithCancel(context.Background())
	var snaps []Snapshot
	done := make(chan struct{})
	go func() {
		m.Publish(ctx, 50*time.Millisecond, func(s Snapshot) { snaps = append(snaps, s) })
		close(done)
	}()
	var wg gosync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10000; i++ {
				m.Stored("mb", 1, 100)
			}
		}()
	}
	wg.Wait()
	m.Problem("mb", "INBOX", 7, "no body")
	cancel()
	<-done
	last := snaps[len(snaps)-1]
	if !last.Final || last.Stored != 80000 || last.Bytes != 8000000 || last.Problems != 1 || last.LastProblem != "no body" {
		t.Fatalf("final snapshot %+v", last)
	}
	if len(snaps) > 1+int(last.Elapsed/(50*time.Millisecond))+1 {
		t.Fatalf("%d snapshots in %v: painted too often", len(snaps), last.Elapsed)
	}
}
