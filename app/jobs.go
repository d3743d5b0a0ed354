package app

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"
)

// JobState is where a background job stands.
type JobState string

const (
	JobRunning    JobState = "running"
	JobPaused     JobState = "paused"
	JobStopped    JobState = "stopped"
	JobDone       JobState = "done"
	JobExceptions JobState = "completed with exceptions"
	// JobIncomplete: the run ended on its own, but stopped some of its
	// work on an error (a mailbox whose login was refused, a full
	// mailbox): what it did is kept, and running it again goes on.
	JobIncomplete JobState = "NOT complete"
	JobFailed     JobState = "failed"
)

// errIncomplete is what a JobFunc returns, with its report, when the run
// ended but did not finish all it was asked (JobIncomplete).
var errIncomplete = errors.New("not complete")

// incomplete is err, else errIncomplete when the run stopped some of its
// work (stopped > 0).
func incomplete(stopped int, err error) error {
	if err == nil && stopped > 0 {
		return errIncomplete
	}
	return err
}

// Progress is a job's counters. Engines update it through the sink as often
// as they like; subscribers see a copy at most PublishEvery.
type Progress struct {
	Phase             string // what is happening now, in words
	Done, Total       int64  // messages (or items)
	Bytes, TotalBytes int64
	Errors            int
	Rate              float64       // items per second since the run started
	ETA               time.Duration // 0 when unknown
	Detail            string        // e.g. the folder being copied
}

// JobInfo is a job as the GUI shows it.
type JobInfo struct {
	ID        string
	Kind      string // "pull", "push", "export", ...
	ProjectID string
	Mailbox   string // "" for a whole-project job
	State     JobState
	Progress  Progress
	Started   time.Time
	Ended     time.Time
	Message   string // the final report or the error, in words
}

// JobChanged reports a job's progress or state.
type JobChanged struct{ Job JobInfo }

func (JobChanged) isEvent() {}

// ProgressSink receives a running job's progress. Update is cheap and safe
// from any goroutine.
type ProgressSink interface {
	Update(func(*Progress))
}

// JobFunc does a job's work until done or ctx ends. It must resume from
// where a cancelled run stopped (the engines keep that state in the store),
// so Pause/Resume is cancel and run again. It returns the final report in
// words and whether exceptions were recorded.
type JobFunc func(ctx context.Context, sink ProgressSink) (report string, exceptions bool, err error)

// PublishEvery is how often a running job's progress is published (about
// ten times a second: count fast, paint slowly).
const PublishEvery = 100 * time.Millisecond

var (
	errPaused  = errors.New("paused")
	errStopped = errors.New("stopped")
)

// Jobs runs background jobs and publishes their progress as events.
type Jobs struct {
	bus  *Bus
	now  func() time.Time
	mu   gosync.Mutex
	jobs map[string]*job
	wg   gosync.WaitGroup
}

type job struct {
	mu     gosync.Mutex
	info   JobInfo
	fn     JobFunc
	cancel context.CancelCauseFunc
	done   chan struct{}
	dirty  bool
}

// Jobs returns the app's job runner.
func (a *App) Jobs() *Jobs {
	a.jobsOnce.Do(func() { a.jobs = &Jobs{bus: a.Events, now: a.now, jobs: map[string]*job{}} })
	return a.jobs
}

// Start runs fn as job id (e.g. "pull:acme:ann@acme.test"). A job with that
// ID that is running is an error; a paused, stopped or finished one is
// replaced (which is how a run resumes).
func (js *Jobs) Start(id, kind, projectID, mailbox string, fn JobFunc) error {
	js.mu.Lock()
	defer js.mu.Unlock()
	if j, ok := js.jobs[id]; ok && j.state() == JobRunning {
		return fmt.Errorf("%s is already running", kind)
	}
	j := &job{fn: fn, info: JobInfo{ID: id, Kind: kind, ProjectID: projectID, Mailbox: mailbox}}
	if old, ok := js.jobs[id]; ok {
		j.info.Progress = old.snapshot().Progress // keep the counters on screen until the run reports
	}
	js.jobs[id] = j
	js.run(j)
	return nil
}

func (js *Jobs) run(j *job) {
	ctx, cancel := context.WithCancelCause(context.Background())
	j.mu.Lock()
	j.cancel, j.done = cancel, make(chan struct{})
	j.info.State, j.info.Started, j.info.Ended, j.info.Message = JobRunning, js.now(), time.Time{}, ""
	j.mu.Unlock()
	js.publish(j)
	js.wg.Add(2)
	ticking := make(chan struct{})
	go func() { defer close(ticking); js.ticker(ctx, j) }()
	go func() {
		defer js.wg.Done()
		defer close(j.done)
		msg, exceptions, err := j.fn(ctx, j)
		cancel(nil)
		// The ticker may hold a snapshot taken while the job ran: were it
		// published after the final report, a subscriber would be left
		// with "running" for ever. It ends first.
		<-ticking
		j.mu.Lock()
		j.info.Ended = js.now()
		switch cause := context.Cause(ctx); {
		case err != nil && errors.Is(cause, errPaused):
			j.info.State, j.info.Message = JobPaused, "Paused; resume continues where it stopped."
		case err != nil && errors.Is(cause, errStopped):
			j.info.State, j.info.Message = JobStopped, "Stopped; starting again continues where it stopped."
		case errors.Is(err, errIncomplete):
			j.info.State, j.info.Message = JobIncomplete, msg
		case err != nil:
			j.info.State, j.info.Message = JobFailed, err.Error()
		case exceptions:
			j.info.State, j.info.Message = JobExceptions, msg
		default:
			j.info.State, j.info.Message = JobDone, msg
		}
		j.mu.Unlock()
		js.publish(j) // always one final report
	}()
}

// afterTickSnapshot lets a test hold the ticker between its snapshot and
// its publishing, where a scheduler may hold it too.
var afterTickSnapshot = func() {}

// ticker publishes the job's progress while it changes, PublishEvery.
func (js *Jobs) ticker(ctx context.Context, j *job) {
	defer js.wg.Done()
	t := time.NewTicker(PublishEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			j.mu.Lock()
			dirty := j.dirty
			j.dirty = false
			j.mu.Unlock()
			if dirty {
				info := j.snapshot()
				afterTickSnapshot()
				js.bus.Publish(JobChanged{Job: info})
			}
		}
	}
}

// Update implements ProgressSink.
func (j *job) Update(f func(*Progress)) {
	j.mu.Lock()
	f(&j.info.Progress)
	p := &j.info.Progress
	if el := time.Since(j.info.Started).Seconds(); el > 0.5 && p.Done > 0 {
		p.Rate = float64(p.Done) / el
		if p.Total > p.Done && p.Rate > 0 {
			p.ETA = time.Duration(float64(p.Total-p.Done) / p.Rate * float64(time.Second))
		} else {
			p.ETA = 0
		}
	}
	j.dirty = true
	j.mu.Unlock()
}

func (j *job) snapshot() JobInfo {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.info
}

func (j *job) state() JobState { return j.snapshot().State }

func (js *Jobs) publish(j *job) { js.bus.Publish(JobChanged{Job: j.snapshot()}) }

// Pause cancels a running job so that starting it again resumes it.
func (js *Jobs) Pause(id string) error { return js.halt(id, errPaused) }

// Stop cancels a running job; its state is kept, as with Pause.
func (js *Jobs) Stop(id string) error { return js.halt(id, errStopped) }

func (js *Jobs) halt(id string, cause error) error {
	js.mu.Lock()
	j, ok := js.jobs[id]
	js.mu.Unlock()
	if !ok || j.state() != JobRunning {
		return fmt.Errorf("no running job %s", id)
	}
	j.mu.Lock()
	cancel, done := j.cancel, j.done
	j.mu.Unlock()
	cancel(cause)
	<-done
	return nil
}

// Resume runs a paused or stopped job again.
func (js *Jobs) Resume(id string) error {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.jobs[id]
	if !ok {
		return fmt.Errorf("no job %s", id)
	}
	if s := j.state(); s == JobRunning {
		return fmt.Errorf("%s is already running", j.info.Kind)
	}
	js.run(j)
	return nil
}

// List returns every job's current state.
func (js *Jobs) List() []JobInfo {
	js.mu.Lock()
	defer js.mu.Unlock()
	out := make([]JobInfo, 0, len(js.jobs))
	for _, j := range js.jobs {
		out = append(out, j.snapshot())
	}
	return out
}

// Running reports whether any job is running (the GUI asks before closing).
func (js *Jobs) Running() bool {
	for _, j := range js.List() {
		if j.State == JobRunning {
			return true
		}
	}
	return false
}

// PauseAll pauses every running job and waits for them to stop, so the next
// start resumes them cleanly.
func (js *Jobs) PauseAll() {
	for _, j := range js.List() {
		if j.State == JobRunning {
			js.Pause(j.ID)
		}
	}
	js.wg.Wait()
}
