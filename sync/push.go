package sync

import (
	"context"
	"encoding/json"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"time"

	"mailshift/store"
)

// PushOptions tune a push; the zero value is sensible.
type PushOptions struct {
	MaxConnections int // go-imap connections open at once to the destination; default 4
	// Window is how many messages are uploaded between two journal commits
	// per connection: one MULTIAPPEND, or that many pipelined APPENDs.
	// Default 100 on the wire path, 32 with go-imap's APPEND.
	Window      int
	WindowBytes int64         // ... or this many bytes; default 16 MB
	Retries     int           // attempts per folder after a transient failure; default 6
	Backoff     time.Duration // first wait before a retry (doubles); default 1 s
	// MaxThrottleWait caps the wait a throttling destination asks for
	// ("retry in 30 seconds" in a BYE or NO); default 5 minutes.
	MaxThrottleWait time.Duration
	// MaxMessageBytes is the operator's own size limit. It applies over
	// the destination's: the server's APPENDLIMIT when it announces one,
	// else the profile's default (sizeLimit).
	MaxMessageBytes int64
	// MinFreeBytes is the room the store's disk must have again before a
	// push whose journal found it full goes on; default 100 MB.
	MinFreeBytes int64
	Progress     Progress
	// PlainAppend sends every message with go-imap's APPEND (one command,
	// one synchronizing literal each) even when the server offers
	// MULTIAPPEND or LITERAL+; by default those servers get a second,
	// upload-only session per worker, counted within MaxConnections (so
	// half as many workers). With a cap of 1 there is no room for it, and
	// a server may refuse it: the upload then borrows the folder's own
	// session for the same commands (push_borrow.go).
	PlainAppend bool
	// SettleTime is how long after an upload's intent was recorded a push
	// waits before it looks for that upload on the destination; default
	// SettleTime. A session that ended with a command on its way (a crash,
	// a reset connection) can leave the server still storing it: Dovecot
	// finishes a MULTIAPPEND whose bytes it has, then sees the session
	// gone. Looked for too soon, those messages seem missing, are sent
	// again, and land twice.
	SettleTime time.Duration
	// CrashHook, when set, is called at each journal step ("intent",
	// "sent", "recorded") with the number of messages in the window; tests
	// kill the process there.
	CrashHook func(step string, n int)
	// Follow, when set, runs the push beside a pull given the same Follow
	// (see Copy): a folder is pushed in passes over what the pull has made
	// final, the last once the pull has finished it.
	Follow *Follow

	wireWindow int           // Window on the wire path
	spacePoll  time.Duration // see PullOptions
}

// SettleTime is PushOptions.SettleTime's default: well over what a server
// needs to store a window it has whole, and short next to restarting a
// program that died. A variable so the tests, which resume at once after
// a kill, can shorten it.
var SettleTime = 10 * time.Second

func (o *PushOptions) defaults() {
	if o.MaxConnections <= 0 {
		o.MaxConnections = 4
	}
	if o.Window <= 0 {
		o.Window, o.wireWindow = 32, wireWindow
	} else {
		o.wireWindow = o.Window
	}
	if o.WindowBytes <= 0 {
		o.WindowBytes = 16 << 20
	}
	if o.Retries <= 0 {
		o.Retries = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxThrottleWait <= 0 {
		o.MaxThrottleWait = 5 * time.Minute
	}
	if o.SettleTime <= 0 {
		o.SettleTime = SettleTime
	}
	if o.Progress == nil {
		o.Progress = NoProgress{}
	}
	if o.CrashHook == nil {
		o.CrashHook = func(string, int) {}
	}
}

// PushMailbox is one mailbox to push: its messages in the local store
// (Box) go to Endpoint, the destination login.
type PushMailbox struct {
	Box      store.BoxKey
	Endpoint Endpoint
}

// Push copies every stored message of every mailbox to the destination,
// exactly once across any number of interrupted runs: each upload's intent
// is journaled before it is sent, and a later run finds uploads whose
// outcome it never learned before sending anything again. Messages already
// on the destination (an earlier tool, a partial run) are recognised by
// Message-ID, size and content hash. Folders follow the mailbox's mapping,
// which is saved. Messages over the destination's limit are recorded, not
// sent; a refused message is recorded with the server's words and the run
// goes on; OVERQUOTA stops that mailbox only. The source is not contacted.
// Workers take one folder each; a worker with no folder left to start
// joins a folder still uploading (push_help.go), so one big folder is
// split over several upload sessions, all within MaxConnections.
func Push(ctx context.Context, db *store.DB, mbs []PushMailbox, opts PushOptions) (PushReport, error) {
	opts.defaults()
	start := time.Now()
	eps := map[string]Endpoint{}
	for _, m := range mbs {
		eps[m.Box.MailboxID] = m.Endpoint
	}
	workers, poolCap, second := opts.connectionSplit()
	p := newPool(poolCap, func(ctx context.Context, mb string) (*Conn, error) { return Dial(ctx, eps[mb]) })
	defer p.closeAll()
	retry := PullOptions{Retries: opts.Retries, Backoff: opts.Backoff, MaxThrottleWait: opts.MaxThrottleWait, Progress: opts.Progress,
		MinFreeBytes: opts.MinFreeBytes, spacePoll: opts.spacePoll}
	retry.defaults() // a full disk (the journal's) waits for space as a pull does
	pr := &pushRun{db: db, opts: opts, pool: p, eps: eps, reports: map[string]*PushMailboxReport{},
		retrier: &run{db: db, pool: p, opts: retry}}
	pr.idle.L, pr.offered = &pr.mu, make(chan struct{})
	units := make(chan pushUnit)
	var planners, workersDone gosync.WaitGroup
	for _, m := range mbs {
		pr.reports[m.Box.MailboxID] = &PushMailboxReport{Mailbox: m.Box.MailboxID}
		planners.Add(1)
		go func(m PushMailbox) {
			defer planners.Done()
			pr.plan(ctx, m, units)
		}(m)
	}
	go func() { planners.Wait(); pr.plannedAll(); close(units) }()
	for i := 0; i < workers; i++ {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			var ws *wireSlot // nil: no room for upload sessions
			if second {
				ws = &wireSlot{}
				defer ws.drop()
			}
			pr.work(ctx, units, ws)
		}()
	}
	workersDone.Wait()
	rep := PushReport{Elapsed: time.Since(start), Bytes: pr.bytes.Load(), Interrupted: ctx.Err() != nil}
	for _, m := range mbs {
		rep.Mailboxes = append(rep.Mailboxes, *pr.reports[m.Box.MailboxID])
	}
	return rep, ctx.Err()
}

// connectionSplit shares MaxConnections between the workers' upload
// sessions (second says there are any) and the pool of go-imap
// connections (folder selection, journal recovery, the planners' probes):
// workers + pool never exceed the cap. Without room for upload sessions
// (a cap of 1, or PlainAppend) every worker works through the pool alone.
func (o *PushOptions) connectionSplit() (workers, poolCap int, second bool) {
	if o.PlainAppend || o.MaxConnections < 2 {
		return o.MaxConnections, o.MaxConnections, false
	}
	workers = o.MaxConnections / 2
	return workers, o.MaxConnections - workers, true
}

// pushRun is one Push's shared state.
type pushRun struct {
	db      *store.DB
	opts    PushOptions
	pool    *pool
	eps     map[string]Endpoint // by mailbox: for upload sessions
	retrier *run                // the pull's reconnect-and-backoff loop over the same pool
	mu      gosync.Mutex
	reports map[string]*PushMailboxReport
	bytes   atomic.Int64
	// Uploads idle workers may join (push_help.go), under mu.
	jobs       []*uploadJob
	idle       gosync.Cond   // a job was offered, a folder ended, or all are planned
	offered    chan struct{} // closed (and replaced) when a job is offered
	inFlight   int           // folders handed out and not ended
	allPlanned bool
}

// pushUnit is one source folder going to one destination folder.
type pushUnit struct {
	m     PushMailbox
	src   store.FolderState
	dest  string
	limit int64 // bytes; 0 = none known
	// limitFrom says whose limit it is, for the report (sizeLimit).
	limitFrom string
	stopped   *atomic.Bool
	quota     *gosync.Once
	// Beside a pull (Follow): upTo, when not 0, limits this pass to the
	// UIDs below it (the durable part of a folder the pull is still
	// copying; another pass follows), and carried is the folder's push
	// from its earlier passes, nil on its first.
	upTo    uint32
	carried *folderPush
}

func (pr *pushRun) fail(mb string, err error) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.reports[mb].Err == "" {
		pr.reports[mb].Err, pr.reports[mb].LoginRefused = err.Error(), IsLoginRefused(err)
	}
}

func (pr *pushRun) addFolder(mb string, f PushFolderReport) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.reports[mb].Folders = append(pr.reports[mb].Folders, f)
}

// plan probes the destination, builds and saves the mailbox's mapping, and
// hands out one unit per mapped source folder.
func (pr *pushRun) plan(ctx context.Context, m PushMailbox, units chan<- pushUnit) {
	mb := m.Box.MailboxID
	var info ServerInfo
	err := pr.retrier.retry(ctx, mb, func(c *Conn) (err error) { info, err = c.Probe(ctx); return }, nil)
	if err != nil {
		pr.fail(mb, fmt.Errorf("read the destination's folders: %w", err))
		return
	}
	raw, _ := json.Marshal(info)
	at := time.Now().UTC()
	if err := pr.retrier.whenRoom(ctx, mb, func() error { return pr.db.AddSnapshot(m.Box.ProjectID, SnapshotDestInventory+mb, at, raw) }); err != nil {
		pr.fail(mb, err)
		return
	}
	follow := pr.opts.Follow
	var listed *ServerInfo // the pull's listing of the source, when beside one
	if follow != nil {
		var ok bool
		if listed, ok = follow.source(ctx, mb); !ok {
			return
		}
	}
	var mapping Mapping
	err = pr.retrier.whenRoom(ctx, mb, func() (err error) { mapping, err = pushMapping(pr.db, m.Box, info, listed); return })
	if err != nil {
		pr.fail(mb, err)
		return
	}
	p, _ := ProfileByName(mapping.Profile)
	limit, limitFrom := sizeLimit(info.AppendLimit, p, pr.opts.MaxMessageBytes)
	var folders []FolderMap
	for _, fm := range mapping.Folders {
		if !fm.Container {
			folders = append(folders, fm)
		}
	}
	var states map[string]store.FolderState
	stopped, quota := &atomic.Bool{}, &gosync.Once{}
	for len(folders) > 0 {
		// Alone, every folder in order, once. Beside a pull, the first
		// folder worth a pass (Follow.nextPass): the durable part of one
		// the pull is still copying, or one it has finished, for the last
		// time.
		i, upTo, carried, drop := 0, uint32(0), (*folderPush)(nil), false
		if follow != nil {
			var ok bool
			if i, upTo, carried, drop, ok = follow.nextPass(ctx, mb, folderSources(folders)); !ok {
				return
			}
		}
		fm := folders[i]
		if upTo == 0 || drop { // its last pass, or a pass failed (and was reported)
			folders = append(folders[:i:i], folders[i+1:]...)
		}
		if drop {
			continue
		}
		if states == nil || follow != nil { // beside a pull, the folder's state as the pull left it
			if states, err = pr.db.FolderStates(m.Box); err != nil {
				pr.fail(mb, err)
				return
			}
		}
		st, stored := states[fm.Source]
		if !stored || fm.Excluded && upTo != 0 {
			if follow != nil {
				follow.passEnded(mb, fm.Source, carried, false)
			}
			continue
		}
		if fm.Excluded {
			n := 0
			pr.db.ForEachMessage(m.Box, fm.Source, st.UIDValidity, func(store.MessageRecord) error { n++; return nil })
			pr.addFolder(mb, PushFolderReport{Source: fm.Source, Excluded: true, Wanted: n})
			continue
		}
		pr.planned()
		select {
		case units <- pushUnit{m: m, src: st, dest: fm.Dest, limit: limit, limitFrom: limitFrom, stopped: stopped, quota: quota,
			upTo: upTo, carried: carried}:
		case <-ctx.Done():
			pr.folderDone()
			return
		}
	}
}

func folderSources(fms []FolderMap) []string {
	out := make([]string, len(fms))
	for i, fm := range fms {
		out[i] = fm.Source
	}
	return out
}

// pushMapping rebuilds the mailbox's mapping against the probed
// destination (keeping the saved names and choices) and saves it. listed,
// when not nil, is the source as a pull beside the push just listed it.
func pushMapping(db *store.DB, box store.BoxKey, dest ServerInfo, listed *ServerInfo) (Mapping, error) {
	in, _, err := mappingInputFrom(db, box.ProjectID, box.MailboxID, listed)
	if err != nil {
		return Mapping{}, err
	}
	in.Dest, in.DestFolders = SourceFoldersOf(dest)
	if in.Dest.Separator == "" {
		in.Dest.Separator = in.Profile.Separator
	}
	m := BuildMapping(in)
	return m, SaveMapping(db, box.ProjectID, box.MailboxID, m)
}

// sizeLimit is the message size limit a push applies, and whose it is.
// A server that announces APPENDLIMIT knows its own limit: it wins over
// the profile's default (a Microsoft 365 tenant may have raised the 35 MB
// default, and would then say so). The operator's own limit applies over
// either. 0 means none is known.
func sizeLimit(appendLimit int64, p Profile, own int64) (limit int64, from string) {
	switch {
	case appendLimit > 0:
		limit, from = appendLimit, "the server's announced limit (APPENDLIMIT)"
	case p.MaxMessageBytes > 0:
		limit, from = p.MaxMessageBytes, fmt.Sprintf("the %s profile's default limit", p.Name)
	}
	if own > 0 && (limit == 0 || own < limit) {
		limit, from = own, "your own limit"
	}
	return limit, from
}
