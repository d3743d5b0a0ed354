package sync

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// PullOptions tune a pull; the zero value is sensible.
type PullOptions struct {
	MaxConnections int           // open at once to the source server; default 4
	BatchSize      int           // UIDs per FETCH and per group commit; default 500
	CommitBytes    int64         // group commit also after this many bytes; default 64 MB
	Retries        int           // attempts per folder after a transient failure; default 6
	Backoff        time.Duration // first wait before a retry (doubles); default 1 s
	// MaxMessageBytes refuses a body literal announced larger than this
	// (a hostile or broken server); default 2 GiB.
	MaxMessageBytes int64
	// MaxThrottleWait caps the wait a throttling server asks for ("retry
	// in 30 minutes"); default 5 min.
	MaxThrottleWait time.Duration
	Progress        Progress
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
		o.MaxMessageBytes = 2 << 30
	}
	if o.MaxThrottleWait <= 0 {
		o.MaxThrottleWait = 5 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = NoProgress{}
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

	rep := Report{Elapsed: time.Since(start), Bytes: r.bytes}
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
}

// unit is one folder of one mailbox to copy.
type unit struct {
	m         PullMailbox
	folder    FolderInfo
	state     store.FolderState
	condstore bool
}

func (r *run) fail(mailbox string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reports[mailbox].Err == "" {
		r.reports[mailbox].Err = err.Error()
	}
}

func (r *run) addFolder(mailbox string, f FolderReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports[mailbox].Folders = append(r.reports[mailbox].Folders, f)
}

// plan lists a mailbox's folders and asks each one's STATUS; unchanged
// folders end here, the others become units.
func (r *run) plan(ctx context.Context, m PullMailbox, units chan<- unit) {
	mb := m.Box.MailboxID
	var info ServerInfo
	err := r.retry(ctx, mb, func(c *Conn) (err error) {
		info, err = c.Probe(ctx)
		if err != nil {
			return err
		}
		return c.statusAll(ctx, &info)
	}, nil)
	if err != nil {
		r.fail(mb, err)
		return
	}
	states, err := r.db.FolderStates(m.Box)
	if err != nil {
		r.fail(mb, err)
		return
	}
	for _, f := range info.Folders {
		if f.NoSelect {
			continue
		}
		st := states[f.Name]
		// Without CONDSTORE a flag change does not show in STATUS: folders
		// holding copied mail are scanned anyway (see scanFlags).
		if unchanged(st, f, info.CondStore) && (info.CondStore || st.HighWater <= 1 || f.Messages == 0) {
			r.addFolder(mb, FolderReport{Folder: f.Name, SourceMessages: f.Messages, Unchanged: true})
			continue
		}
		if st.UIDValidity == f.UIDValidity && f.UIDNext > st.HighWater {
			// Bytes unknown until fetched; count messages by UID window.
			r.opts.Progress.Planned(mb, int(f.UIDNext-max(st.HighWater, 1)), 0)
		} else if st.UIDValidity != f.UIDValidity {
			r.opts.Progress.Planned(mb, f.Messages, f.Bytes)
		}
		select {
		case units <- unit{m: m, folder: f, state: st, condstore: info.CondStore}:
		case <-ctx.Done():
			return
		}
	}
}

// unchanged is the no-change test: same UIDVALIDITY, UIDNEXT, count and
// (with CONDSTORE) HIGHESTMODSEQ, and nothing left below UIDNEXT.
func unchanged(st store.FolderState, f FolderInfo, condstore bool) bool {
	return st.UIDValidity != 0 && st.UIDValidity == f.UIDValidity && st.Inventory.UIDNext == f.UIDNext &&
		st.HighWater >= f.UIDNext && st.Inventory.Messages == f.Messages &&
		(!condstore || st.HighestModSeq == f.HighestModSeq)
}

// statusAll fills counts from one STATUS per folder (no SELECT).
func (c *Conn) statusAll(ctx context.Context, info *ServerInfo) error {
	for i := range info.Folders {
		f := &info.Folders[i]
		if f.NoSelect {
			continue
		}
		opts := &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, HighestModSeq: info.CondStore}
		if c.Caps().Has(imap.CapStatusSize) || c.Caps().Has(imap.CapIMAP4rev2) {
			opts.Size = true
		}
		var st *imap.StatusData
		err := c.do(ctx, func() (err error) { st, err = c.Status(f.Name, opts).Wait(); return })
		if err != nil {
			return fmt.Errorf("status of %q: %w", f.Name, classify(c.ep.Addr(), err, ""))
		}
		if st.NumMessages != nil {
			f.Messages = int(*st.NumMessages)
		}
		f.UIDNext, f.UIDValidity, f.HighestModSeq = uint32(st.UIDNext), st.UIDValidity, st.HighestModSeq
		if st.Size != nil {
			f.Bytes = *st.Size
		}
	}
	return nil
}

func (r *run) copyFolder(ctx context.Context, u unit) {
	mb := u.m.Box.MailboxID
	// Attempts add up: a retry resumes where the last one committed.
	var rep FolderReport
	progressed := false
	err := r.retry(ctx, mb, func(c *Conn) error {
		got, err := r.pullFolder(ctx, c, u)
		progressed = got.Stored+got.Rematched+got.Vanished > 0
		rep = rep.then(got)
		return err
	}, func() bool { return progressed })
	if err != nil {
		rep.Folder = u.folder.Name
		rep.Problems = append(rep.Problems, err.Error())
		r.opts.Progress.Problem(mb, u.folder.Name, 0, err.Error())
		if ctx.Err() == nil {
			r.fail(mb, fmt.Errorf("folder %q: %w", u.folder.Name, err))
		}
	}
	r.addFolder(mb, rep)
}
