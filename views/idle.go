package views

import gosync "sync"

// idleCount counts background work in flight; wait returns once none is.
// Unlike a sync.WaitGroup, work may start while someone waits: a job's
// progress starts a screen refresh from its own goroutine at any moment,
// and a WaitGroup panics ("reused before previous Wait has returned")
// when its count leaves zero during a Wait (seen in
// TestDemoWalkthroughToSignedOffReport).
type idleCount struct {
	mu   gosync.Mutex
	cond *gosync.Cond
	n    int
}

func (c *idleCount) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *idleCount) done() {
	c.mu.Lock()
	if c.n--; c.n == 0 && c.cond != nil {
		c.cond.Broadcast()
	}
	c.mu.Unlock()
}

// wait blocks until no work is in flight.
func (c *idleCount) wait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cond == nil {
		c.cond = gosync.NewCond(&c.mu)
	}
	for c.n > 0 {
		c.cond.Wait()
	}
}
