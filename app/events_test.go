package app

import (
	"context"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
)

// A subscriber that fell behind loses its oldest events, not the newest:
// what it reads last is what was published last.
func TestBusKeepsTheNewestEventsForASlowSubscriber(t *testing.T) {
	var b Bus
	events, stop := b.Subscribe(2)
	defer stop()
	for i := 1; i <= 5; i++ {
		b.Publish(ProjectChanged{ProjectID: fmt.Sprint(i)})
	}
	var got []string
	for len(got) < 2 {
		got = append(got, (<-events).(ProjectChanged).ProjectID)
	}
	if fmt.Sprint(got) != "[4 5]" {
		t.Fatalf("a subscriber with room for 2 of 5 events read %v, want [4 5]", got)
	}
	select {
	case ev := <-events:
		t.Fatalf("an event more: %v", ev)
	default:
	}
}

// A progress tick whose snapshot was taken while the job ran is published
// before the job's final report, never after, however long the scheduler
// holds the ticker between the two: a subscriber is never left showing a
// job as running after it ended.
func TestJobFinalReportIsTheLastEventPublished(t *testing.T) {
	a := newTestApp(t)
	events, stop := a.Events.Subscribe(1024)
	defer stop()
	js := a.Jobs()
	ticked := make(chan struct{})
	var once gosync.Once
	afterTickSnapshot = func() {
		once.Do(func() {
			close(ticked)
			js.mu.Lock()
			done := js.jobs["late"].done
			js.mu.Unlock()
			select { // held until the job's final report is out, or a while
			case <-done:
			case <-time.After(time.Second):
			}
		})
	}
	t.Cleanup(func() { afterTickSnapshot = func() {} })
	js.Start("late", "pull", "acme", "", func(ctx context.Context, sink ProgressSink) (string, bool, error) {
		sink.Update(func(p *Progress) { p.Done++ })
		<-ticked // the ticker holds a snapshot of the running job
		return "done", false, nil
	})
	waitState(t, events, "late", JobDone)
	js.PauseAll() // nothing runs: waits for the job's goroutines
	for {
		select {
		case ev := <-events:
			if jc, ok := ev.(JobChanged); ok && jc.Job.State != JobDone {
				t.Fatalf("after the final report: %s", jc.Job.State)
			}
		default:
			return
		}
	}
}

// Two saves of one step at once (a person ticking while the cutover's
// checks record their results), the first held between its write and its
// event: the last StepChanged event a screen gets is still the step as
// stored, because a save and its event are made in one order.
func TestStepEventsComeInTheOrderOfTheSaves(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	steps, err := a.Checklist(ctx, "acme")
	if err != nil || len(steps) == 0 {
		t.Fatalf("checklist: %v", err)
	}
	id := steps[0].ID
	events, stop := a.Events.Subscribe(100)
	defer stop()
	held := make(chan struct{})
	var first atomic.Bool
	afterStepSaved = func() {
		if first.CompareAndSwap(false, true) { // not a sync.Once: the second save must not wait on it
			close(held)
			time.Sleep(200 * time.Millisecond) // the second save would go past here
		}
	}
	t.Cleanup(func() { afterStepSaved = func() {} })
	var wg gosync.WaitGroup
	for _, note := range []string{"first", "second"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Annotate(ctx, "acme", id, "Tess", note); err != nil {
				t.Error(err)
			}
		}()
		<-held // the first save is written and held before the second starts
	}
	wg.Wait()
	last := ""
	for more := true; more; {
		select {
		case ev := <-events:
			if sc, ok := ev.(StepChanged); ok && sc.Step.ID == id {
				last = sc.Step.Note
			}
		default:
			more = false
		}
	}
	stored, err := a.step("acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if last != stored.Note || last != "second" {
		t.Fatalf("the last event says %q, the store %q", last, stored.Note)
	}
}
