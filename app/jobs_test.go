package app

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// countingJob counts to total, resuming from what earlier runs did (as the
// engines resume from the store), and can be held at a number.
type countingJob struct {
	done  atomic.Int64
	total int64
	gate  chan struct{} // each value lets one item through
}

func (c *countingJob) run(ctx context.Context, sink ProgressSink) (string, bool, error) {
	sink.Update(func(p *Progress) { p.Total = c.total; p.Done = c.done.Load(); p.Phase = "counting" })
	for c.done.Load() < c.total {
		select {
		case <-ctx.Done():
			return "", false, ctx.Err()
		case <-c.gate:
		}
		n := c.done.Add(1)
		sink.Update(func(p *Progress) { p.Done = n; p.Bytes += 100 })
	}
	return "counted", false, nil
}

func waitState(t *testing.T, events <-chan Event, id string, want JobState) JobInfo {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if jc, ok := ev.(JobChanged); ok && jc.Job.ID == id && jc.Job.State == want {
				return jc.Job
			}
		case <-deadline:
			t.Fatalf("job %s never reached %s", id, want)
		}
	}
}

func TestJobPauseResumeAndFinalReport(t *testing.T) {
	a := newTestApp(t)
	events, stop := a.Events.Subscribe(1024)
	defer stop()
	c := &countingJob{total: 10, gate: make(chan struct{})}
	js := a.Jobs()
	if err := js.Start("count", "pull", "acme", "", c.run); err != nil {
		t.Fatal(err)
	}
	if err := js.Start("count", "pull", "acme", "", c.run); err == nil {
		t.Fatal("a second run of a running job started")
	}
	for i := 0; i < 4; i++ {
		c.gate <- struct{}{}
	}
	if !js.Running() {
		t.Fatal("not running")
	}
	if err := js.Pause("count"); err != nil {
		t.Fatal(err)
	}
	paused := waitState(t, events, "count", JobPaused)
	if paused.Progress.Done != 4 || c.done.Load() != 4 {
		t.Fatalf("paused at %d (counter %d)", paused.Progress.Done, c.done.Load())
	}
	if err := js.Resume("count"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := 0; i < 6; i++ {
			c.gate <- struct{}{}
		}
	}()
	final := waitState(t, events, "count", JobDone)
	if final.Progress.Done != 10 || final.Message != "counted" || final.Progress.Total != 10 {
		t.Fatalf("final %+v", final)
	}
}

func TestJobProgressIsThrottled(t *testing.T) {
	a := newTestApp(t)
	events, stop := a.Events.Subscribe(100000)
	defer stop()
	fast := func(ctx context.Context, sink ProgressSink) (string, bool, error) {
		end := time.Now().Add(550 * time.Millisecond)
		for time.Now().Before(end) {
			sink.Update(func(p *Progress) { p.Done++ })
		}
		return "", true, nil
	}
	a.Jobs().Start("fast", "pull", "acme", "", fast)
	var final JobInfo
	n := 0
	for ev := range events {
		if jc, ok := ev.(JobChanged); ok {
			n++
			if jc.Job.State == JobExceptions {
				final = jc.Job
				break
			}
		}
	}
	if final.Progress.Done < 1000 {
		t.Fatalf("only %d updates counted", final.Progress.Done)
	}
	// ~0.55 s at 10/s: the start, about 5 ticks, the final report.
	if n > 10 {
		t.Fatalf("%d events for %d updates: not throttled", n, final.Progress.Done)
	}
}
