package sync

import (
	"context"

	"mailshift/store"
)

// Idle workers help with other folders' uploads: when a worker has no
// folder left to start, it joins a folder whose upload still has windows
// to hand out, over its own upload session (or, where uploads go by
// go-imap's APPEND or a borrowed session, over a pool connection it can
// get without waiting).
// Every upload session belongs to one worker and every go-imap connection
// to the pool, so helping never opens more than MaxConnections.

// offer makes a folder's upload available to idle workers.
func (pr *pushRun) offer(j *uploadJob) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.jobs = append(pr.jobs, j)
	pr.idle.Broadcast()
	close(pr.offered)
	pr.offered = make(chan struct{})
}

// work is a worker's life: it pushes the folders handed out on units, then
// helps until every folder has ended. Beside a pull (Follow) the plan hands
// out passes as the pull makes folders final, so units may stay open with
// nothing to take for a while: a worker waiting for one helps the uploads
// running meanwhile. Without that, a pass over a large folder the pull had
// just finished went up over one session while the other workers waited
// (measured across a rate-limited link: 11.9 s for its 800 messages, where
// the last pass of the same folder, helped, took about half).
func (pr *pushRun) work(ctx context.Context, units <-chan pushUnit, ws *wireSlot) {
	if pr.opts.Follow == nil {
		for u := range units {
			pr.pushFolder(ctx, u, ws)
		}
		pr.help(ctx, ws)
		return
	}
	tried := map[*uploadJob]bool{}
	for {
		pr.mu.Lock()
		var job *uploadJob
		for _, j := range pr.jobs {
			if !tried[j] && j.wants() {
				job = j
				break
			}
		}
		offered := pr.offered
		pr.mu.Unlock()
		if job != nil {
			tried[job] = true // a job it left has nothing more for it
			pr.helpWith(ctx, job, ws)
			continue
		}
		select {
		case u, ok := <-units:
			if !ok {
				pr.help(ctx, ws)
				return
			}
			pr.pushFolder(ctx, u, ws)
		case <-offered:
		}
	}
}

// withdraw removes a folder's upload from the offers.
func (pr *pushRun) withdraw(j *uploadJob) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for i, o := range pr.jobs {
		if o == j {
			pr.jobs = append(pr.jobs[:i], pr.jobs[i+1:]...)
			break
		}
	}
}

// planned counts a folder handed to the workers; folderDone, one that
// ended; plannedAll, that no more will come.
func (pr *pushRun) planned() {
	pr.mu.Lock()
	pr.inFlight++
	pr.mu.Unlock()
}

func (pr *pushRun) folderDone() {
	pr.mu.Lock()
	pr.inFlight--
	pr.idle.Broadcast()
	pr.mu.Unlock()
}

func (pr *pushRun) plannedAll() {
	pr.mu.Lock()
	pr.allPlanned = true
	pr.idle.Broadcast()
	pr.mu.Unlock()
}

// help is an idle worker's last duty: it joins uploads until no folder is
// in progress any more (or ctx ends).
func (pr *pushRun) help(ctx context.Context, ws *wireSlot) {
	stop := context.AfterFunc(ctx, func() {
		pr.mu.Lock()
		pr.idle.Broadcast()
		pr.mu.Unlock()
	})
	defer stop()
	tried := map[*uploadJob]bool{}
	for {
		j := pr.awaitJob(ctx, tried)
		if j == nil {
			return
		}
		tried[j] = true // a job it left has nothing more for it
		pr.helpWith(ctx, j, ws)
	}
}

// awaitJob waits for an upload this worker has not helped yet that still
// has windows; nil when every folder has ended.
func (pr *pushRun) awaitJob(ctx context.Context, tried map[*uploadJob]bool) *uploadJob {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for ctx.Err() == nil {
		for _, j := range pr.jobs {
			if !tried[j] && j.wants() {
				return j
			}
		}
		if pr.allPlanned && pr.inFlight == 0 {
			return nil
		}
		pr.idle.Wait()
	}
	return nil
}

// helpWith takes windows of j over this worker's upload session, or a
// pool connection when j goes by go-imap's APPEND or a borrowed session.
// A session or link that fails fails j's attempt: the folder's worker
// retries, and resolves the windows whose answers were lost, once every
// participant has left.
func (pr *pushRun) helpWith(ctx context.Context, j *uploadJob, ws *wireSlot) {
	mb := j.fp.u.m.Box.MailboxID
	if j.via == viaWire {
		if ws == nil || ws.open(ctx, pr.eps[mb], mb) == nil || !j.join() {
			return
		}
		defer j.leave()
		j.take(ctx, func(ctx context.Context, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
			return j.fp.sendWire(ctx, ws, win, uv)
		})
		return
	}
	c, ok, err := pr.pool.tryGet(ctx, mb)
	if err != nil || !ok {
		return
	}
	if !j.join() {
		pr.pool.put(mb, c)
		return
	}
	err = j.take(ctx, func(ctx context.Context, win []wantMsg, uv uint32) (map[store.PushKey]store.PushRecord, int, error) {
		if j.via == viaBorrowed {
			return j.fp.sendBorrowed(ctx, c, win, uv)
		}
		return j.fp.sendWindow(ctx, c, win, uv)
	})
	j.leave()
	if err != nil {
		pr.pool.discard(c)
		return
	}
	pr.pool.put(mb, c)
}
