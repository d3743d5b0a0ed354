package sync

import (
	"context"
	gosync "sync"
	"time"

	"mailshift/store"
)

// PullOptions tune a pull; the zero value is sensible.
type PullOptions struct {
	MaxConnections int           // open at once to the source server; default 4
	BatchSize      int           // messages per group commit (a range of up to 16x this is one FETCH); default 500
	CommitBytes    int64         // group commit also after this many bytes; default 64 MB
	Retries        int           // attempts per folder after a transient failure; default 6
	Backoff        time.Duration // first wait before a retry (doubles); default 1 s
	// MaxMessageBytes refuses a body literal announced larger than this
	// (a hostile or broken server); default 2 GiB.
	MaxMessageBytes int64
	// MaxThrottleWait caps the wait a throttling server asks for ("retry
	// in 30 minutes"); default 5 min.
	MaxThrottleWait time.Duration
	// MinFreeBytes is the room the store's disk must have again before a
	// run that found it full goes on; default 100 MB.
	MinFreeBytes int64
	Progress     Progress
	// CrashHook, when set, is called at each step of a group commit:
	// "written" (the batch's bytes are in its pack, not yet synced),
	// "synced" (synced, not yet indexed) and "indexed", with how many
	// batches of the run reached that step; tests kill the process there.
	CrashHook func(step string, n int)
	// Follow, when set, tells a push running beside the pull (see Copy)
	// how far each folder is durable and which are finished; Pull ends it
	// when it returns.
	Follow *Follow

	spacePoll time.Duration // how often a run waiting for disk space looks; default 2 s
}

func (o *PullOptions) defaults() {
	if o.MaxConnections <= 0 {
		o.MaxConnections = 4
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.CommitBytes <= 0 {
		o.CommitBytes = 64 << 20
	}
	if o.Retries <= 0 {
		o.Retries = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = defaultMaxMessageBytes
	}
	if o.MaxThrottleWait <= 0 {
		o.MaxThrottleWait = 5 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = NoProgress{}
	}
	if o.MinFreeBytes <= 0 {
		o.MinFreeBytes = 100e6
	}
	if o.spacePoll <= 0 {
		o.spacePoll = 2 * time.Second
	}
	if o.CrashHook == nil {
		o.CrashHook = func(string, int) {}
	}
}

// PullMailbox is one mailbox to pull.
type PullMailbox struct {
	Box      store.BoxKey
	Endpoint Endpoint
}

// Pull copies every folder of every mailbox into the store: new messages
// only (UIDNEXT windows; CONDSTORE flag changes), resuming where any earlier
// run stopped. The source is never modified. Parallel across mailboxes and
// folders within MaxConnections. A cancelled ctx stops it with everything
// committed so far kept; the report always says what was done.
func Pull(ctx context.Context, db *store.DB, mbs []PullMailbox, opts PullOptions) (Report, error) {
	opts.defaults()
	defer opts.Follow.end()
	start := time.Now()
	eps := map[string]Endpoint{}
	for _, m := range mbs {
		eps[m.Box.MailboxID] = m.Endpoint
	}
	p := newPool(opts.MaxConnections, func(ctx context.Context, mb string) (*Conn, error) { return Dial(ctx, eps[mb]) })
	defer p.closeAll()
	r := &run{db: db, opts: opts, pool: p, reports: map[string]*MailboxReport{}, ix: newIndexWriter(db)}
	defer r.ix.close()

	// Plan every mailbox (LIST + one STATUS per folder), then copy folders.
	units := make(chan unit)
	var planners, workers gosync.WaitGroup
	for _, m := range mbs {
		r.reports[m.Box.MailboxID] = &MailboxReport{Mailbox: m.Box.MailboxID}
		planners.Add(1)
		go func(m PullMailbox) {
			defer planners.Done()
			// Known to verification from now on, even if its source cannot
			// be listed: a mailbox never read is not a verified one.
			if err := r.whenRoom(ctx, m.Box.MailboxID, func() error { return db.StartPull(m.Box) }); err != nil {
				r.fail(m.Box.MailboxID, err)
				return
			}
			r.plan(ctx, m, units)
		}(m)
	}
	go func() { planners.Wait(); close(units) }()
	for i := 0; i < opts.MaxConnections; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for u := range units {
				r.copyFolder(ctx, u)
			}
		}()
	}
	workers.Wait()

	rep := Report{Elapsed: time.Since(start), Bytes: r.bytes, Interrupted: ctx.Err() != nil}
	for _, m := range mbs {
		rep.Mailboxes = append(rep.Mailboxes, *r.reports[m.Box.MailboxID])
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

// run is one Pull's shared state.
type run struct {
	db      *store.DB
	opts    PullOptions
	pool    *pool
	ix      *indexWriter // the one writer of pulled batches
	mu      gosync.Mutex
	reports map[string]*MailboxReport
	bytes   int64
	// fullSaid and roomSaid are when the run last said the disk is full
	// and that it has room again (under mu).
	fullSaid, roomSaid time.Time
	steps              map[string]int // batches at each commit step (CrashHook), under mu
}

// step counts a batch reaching a commit step and calls the crash hook.
func (r *run) step(name string) {
	r.mu.Lock()
	if r.steps == nil {
		r.steps = map[string]int{}
	}
	r.steps[name]++
	n := r.steps[name]
	r.mu.Unlock()
	r.opts.CrashHook(name, n)
}

// unit is one folder of one mailbox to copy.
type unit struct {
	m          PullMailbox
	folder     FolderInfo
	state      store.FolderState
	condstore  bool
	expect     int // messages the folder should bring (expectedNew)
	mailboxNew int // the same, summed over the mailbox's folders to copy
}

func (r *run) fail(mailbox string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reports[mailbox].Err == "" {
		r.reports[mailbox].Err, r.reports[mailbox].LoginRefused = err.Error(), IsLoginRefused(err)
	}
}

func (r *run) addFolder(mailbox string, f FolderReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports[mailbox].Folders = append(r.reports[mailbox].Folders, f)
}
