package sync

import (
	"context"
	gosync "sync"
	"sync/atomic"
	"time"
)

// Snapshot is a run's progress at one moment, as a typed event for a UI.
type Snapshot struct {
	Planned, Stored  int64 // messages
	Bytes            int64 // stored bytes
	Problems         int64
	Folder, Waiting  string // what the engine works on / waits for now
	Elapsed          time.Duration
	MessagesPerSec   float64
	MegabytesPerSec  float64
	Final            bool // the last snapshot of the run
	LastProblem      string
	CurrentMailboxID string
}

// Meter is a Progress that counts fast (atomics, per message) and paints
// slowly: Publish sends a Snapshot every interval and always one final
// one. Safe for concurrent use.
type Meter struct {
	start                      time.Time
	planned, stored, bytes, pr atomic.Int64
	mu                         gosync.Mutex
	folder, waiting, problem   string
	mailbox                    string
}

// NewMeter starts counting now.
func NewMeter() *Meter { return &Meter{start: time.Now()} }

func (m *Meter) Planned(_ string, n int, _ int64) { m.planned.Add(int64(n)) }
func (m *Meter) Stored(_ string, n int, b int64)  { m.stored.Add(int64(n)); m.bytes.Add(b) }
func (m *Meter) Folder(mb, f string) {
	m.mu.Lock()
	m.mailbox, m.folder, m.waiting = mb, f, ""
	m.mu.Unlock()
}
func (m *Meter) Problem(mb, f string, uid uint32, why string) {
	m.pr.Add(1)
	m.mu.Lock()
	m.problem = why
	m.mu.Unlock()
}
func (m *Meter) Waiting(mb, why string) {
	m.mu.Lock()
	m.waiting = why
	m.mu.Unlock()
}

// Snapshot reads the counters now.
func (m *Meter) Snapshot() Snapshot {
	m.mu.Lock()
	s := Snapshot{Folder: m.folder, Waiting: m.waiting, LastProblem: m.problem, CurrentMailboxID: m.mailbox}
	m.mu.Unlock()
	s.Planned, s.Stored, s.Bytes, s.Problems = m.planned.Load(), m.stored.Load(), m.bytes.Load(), m.pr.Load()
	s.Elapsed = time.Since(m.start)
	if sec := s.Elapsed.Seconds(); sec > 0 {
		s.MessagesPerSec = float64(s.Stored) / sec
		s.MegabytesPerSec = float64(s.Bytes) / 1e6 / sec
	}
	if s.Planned < s.Stored {
		s.Planned = s.Stored
	}
	return s
}

// Publish calls paint with a snapshot every interval until ctx ends, then
// once more with Final set. It returns after the final call.
func (m *Meter) Publish(ctx context.Context, every time.Duration, paint func(Snapshot)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s := m.Snapshot()
			s.Final = true
			paint(s)
			return
		case <-t.C:
			paint(m.Snapshot())
		}
	}
}
