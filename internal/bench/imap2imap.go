package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
	"mailshift/sync"
)

// Destination logins: one per contender, so that each starts empty.
var destUsers = map[string]string{
	testenv.DefaultUser: testenv.DefaultPassword, // Mailshift, wire path
	"plain":             "plain-Pw-1",            // Mailshift, -plain-append
	"one":               "one-Pw-1",              // Mailshift, one connection (the loader's)
	"copy":              "copy-Pw-1",             // Mailshift copy: pull and push at once
	"mbsync":            "mbsync-Pw-1",
	"loader":            "loader-Pw-1",
}

// runIMAPToIMAP copies the same corpus from a '/' Dovecot to a '.'+INBOX.
// Dovecot: the destination's own ingest rate (a trivial MULTIAPPEND loader),
// Mailshift pull + push (and push with go-imap's plain APPEND), the same
// first pass as one run with pull and push at once (copy), mbsync
// IMAP to IMAP, the no-change re-run, and the fidelity of the copy.
func runIMAPToIMAP(n, conns int, keep, withMbsync bool) error {
	p, err := startIMAPPair("mailshift-bench-imap-", n, keep)
	if err != nil {
		return err
	}
	defer p.stop()
	work, src, dst, msgs, size := p.work, p.src, p.dst, p.msgs, p.size
	fmt.Printf("\nIMAP -> IMAP: %d messages, %.0f MB, from Dovecot '/' to Dovecot '.' with INBOX. prefix (both on this machine)\n", msgs, float64(size)/1e6)

	// Twice: the first reader of a fresh corpus pays for the server's index
	// cache; the floor below takes the cheaper run.
	raw, err := rawBound(src)
	if err != nil {
		return fmt.Errorf("raw bound: %w", err)
	}
	if again, err := rawBound(src); err != nil {
		return fmt.Errorf("raw bound: %w", err)
	} else if again.allCPU-again.cpu < raw.allCPU-raw.cpu {
		raw = again
	}
	raw.name = "raw UID FETCH, the cheaper of 2"
	raw.note = "what serving the corpus costs the source"
	loader, err := loadWithMultiappend(dst, n)
	if err != nil {
		return fmt.Errorf("loader: %w", err)
	}
	// The push journal belongs to one destination: the plain-APPEND push
	// gets its own copy of the store, taken before the push.
	withPlain := msgs <= plainAppendMax
	plainData := filepath.Join(work, "mailshift-plain")
	oneData := filepath.Join(work, "mailshift-one")
	data, pull, push, copied, err := p.firstPass(src.Addr, dst.Addr, conns, func(data string) error {
		if !withPlain {
			return nil
		}
		for _, copyTo := range []string{plainData, oneData} {
			if err := os.CopyFS(copyTo, os.DirFS(data)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	pull.name = "Mailshift pull (source -> store)"
	push.name = fmt.Sprintf("Mailshift push (%d conns, wire)", conns)
	both := oneAfterTheOther(pull, push, "the first pass, end to end")
	rows := []row{raw, loader, pull, push, both, copied}
	wireVsPlain := fmt.Sprintf("not run above %d messages", plainAppendMax)
	if withPlain {
		// One connection, as the loader has: the upload borrows the
		// folder's session for MULTIAPPEND (no room for a second one).
		one, err := runPushChild(oneData, dst.Addr, "one", 1, false)
		if err != nil {
			return err
		}
		one.name = "Mailshift push (1 conn, wire)"
		one.note = "the loader's one connection: " + one.note
		rows = append(rows, one)
		if err := destFidelity(src, dst, oneData, "one", msgs); err != nil {
			return err
		}
		plain, err := runPushChild(plainData, dst.Addr, "plain", conns, true)
		if err != nil {
			return err
		}
		plain.name = fmt.Sprintf("Mailshift push (%d conns, APPEND)", conns)
		plain.note = "go-imap's APPEND, one per message: " + plain.note
		rows = append(rows, plain)
		wireVsPlain = fmt.Sprintf("%.2f", push.msgsPerSec()/plain.msgsPerSec())
	}
	mb := row{name: "mbsync (not run: -mbsync=false)"}
	if withMbsync {
		if mb, err = mbsyncIMAP(src, dst, filepath.Join(work, "mbsync")); err != nil {
			return fmt.Errorf("mbsync: %w", err)
		}
		rows = append(rows, mb)
	}
	delta, again, err := deltaThenPush(data, src, dst, conns)
	if err != nil {
		return err
	}
	rerun := row{name: "Mailshift no-change re-run", messages: again.messages, wall: delta.wall + again.wall,
		note: fmt.Sprintf("pull delta %v + push %v; %s", delta.wall.Round(time.Millisecond), again.wall.Round(time.Millisecond), again.note)}
	rows = append(rows, rerun)
	added, err := addNewMail(src, n)
	if err != nil {
		return fmt.Errorf("new mail: %w", err)
	}
	newDelta, newPush, err := deltaThenPush(data, src, dst, conns)
	if err != nil {
		return err
	}
	rows = append(rows, row{name: "Mailshift delta, new mail", messages: newPush.messages, wall: newDelta.wall + newPush.wall, rssKB: max(newDelta.rssKB, newPush.rssKB),
		note: fmt.Sprintf("one new message in each of the %d folders: pull delta %v + push %v (every folder changed: no no-change shortcut); %s",
			added, newDelta.wall.Round(time.Millisecond), newPush.wall.Round(time.Millisecond), newPush.note)})
	msgs += added
	rec, err := runReconcileChild(data, src.Addr, dst.Addr, testenv.DefaultUser)
	if err != nil {
		return err
	}
	rows = append(rows, rec)
	printTable(rows, msgs, size)
	vsMbsync, copyVsMbsync := "not run", "not run"
	if mb.msgsPerSec() > 0 {
		vsMbsync = fmt.Sprintf("%.2f", both.msgsPerSec()/mb.msgsPerSec())
		copyVsMbsync = fmt.Sprintf("%.2f", copied.msgsPerSec()/mb.msgsPerSec())
	}
	fmt.Printf("push / loader: %.2f (target >= 0.7)   pull+push / loader: %.2f   pull+push / mbsync: %s (target >= 3)   push wire / plain APPEND: %s\n",
		push.msgsPerSec()/loader.msgsPerSec(), both.msgsPerSec()/loader.msgsPerSec(), vsMbsync, wireVsPlain)
	fmt.Printf("copy (pull and push at once) / loader: %.2f   copy / mbsync: %s (target >= 3)   copy / pull+push: %.2f\n",
		copied.msgsPerSec()/loader.msgsPerSec(), copyVsMbsync, copied.msgsPerSec()/both.msgsPerSec())
	printFloor(raw, loader, both, mb)
	warnStolen(loader, pull, push, copied, mb)
	fmt.Printf("no-change re-run: %d APPENDs, push %v (target: 0 APPENDs, under 2 s)\n", again.messages, again.wall.Round(time.Millisecond))
	fmt.Println("(a shared 2-core machine: other work runs beside the benchmark, so every figure is noisy)")
	return destFidelity(src, dst, data, testenv.DefaultUser, msgs)
}

// oneAfterTheOther is the row of a pull and then a push: their times,
// CPU and steal added, the larger peak RSS.
func oneAfterTheOther(pull, push row, note string) row {
	return row{name: "Mailshift pull + push", messages: push.messages, bytes: push.bytes, wall: pull.wall + push.wall,
		rssKB: max(pull.rssKB, push.rssKB), cpu: pull.cpu + push.cpu, allCPU: pull.allCPU + push.allCPU, steal: pull.steal + push.steal, note: note}
}

// imapPair is a source holding the corpus and an empty destination (the
// contenders' logins), both on tmpfs, and a work folder.
type imapPair struct {
	work     string
	src, dst *testenv.Dovecot
	msgs     int
	size     int64
	cleanup  []func()
}

// firstPass runs the first pass both ways, from srcAddr to dstAddr (the
// servers' own addresses, or a link's): a pull into the store
// work/mailshift, then a push of it (beforePush, when not nil, runs
// between the two, given the store's folder); and the same pass with pull
// and push at once (mailshift copy), into a store of its own, to a login
// of its own, whose every message is then checked on the destination. It
// returns the first store's folder and the three rows.
func (p *imapPair) firstPass(srcAddr, dstAddr string, conns int, beforePush func(data string) error) (data string, pull, push, copied row, err error) {
	data = filepath.Join(p.work, "mailshift")
	if pull, err = runChild(data, srcAddr, conns); err != nil {
		return
	}
	if err = benchProject(data); err != nil {
		return
	}
	if beforePush != nil {
		if err = beforePush(data); err != nil {
			return
		}
	}
	if push, err = runPushChild(data, dstAddr, testenv.DefaultUser, conns, false); err != nil {
		return
	}
	copyData := filepath.Join(p.work, "mailshift-copy")
	if err = benchProject(copyData); err != nil {
		return
	}
	if copied, err = runCopyChild(copyData, srcAddr, dstAddr, "copy", conns); err != nil {
		return
	}
	err = destFidelity(p.src, p.dst, copyData, "copy", p.msgs)
	return
}

// startIMAPPair starts an imapPair with an n-message corpus; stop ends it
// (and removes the work folder unless keep).
func startIMAPPair(prefix string, n int, keep bool) (p *imapPair, err error) {
	p = &imapPair{}
	defer func() {
		if err != nil {
			p.stop()
		}
	}()
	if p.work, err = os.MkdirTemp("", prefix); err != nil {
		return p, err
	}
	if !keep {
		p.cleanup = append(p.cleanup, removeOnInterrupt(p.work))
	}
	if p.src, err = testenv.Start(testenv.DovecotOptions{MaxUserIPConnections: 50, InMemory: true}); err != nil {
		return p, err
	}
	p.cleanup = append(p.cleanup, func() { p.src.Stop() })
	if p.dst, err = testenv.Start(testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", Users: destUsers, MaxUserIPConnections: 50, InMemory: true}); err != nil {
		return p, err
	}
	p.cleanup = append(p.cleanup, func() { p.dst.Stop() })
	p.msgs, p.size, err = load(p.src, n)
	return p, err
}

func (p *imapPair) stop() {
	for i := len(p.cleanup) - 1; i >= 0; i-- {
		p.cleanup[i]()
	}
	p.cleanup = nil
}

// deltaThenPush runs Mailshift's pull delta of the bench mailbox from src,
// then its push to dst (the main destination login), as `mailshift delta`
// does.
func deltaThenPush(data string, src, dst *testenv.Dovecot, conns int) (delta, push row, err error) {
	if delta, err = runChild(data, src.Addr, conns); err != nil {
		return delta, push, err
	}
	push, err = runPushChild(data, dst.Addr, testenv.DefaultUser, conns, false)
	return delta, push, err
}

// plainAppendMax is the largest corpus the plain-APPEND push row runs on:
// one APPEND per message into a destination already holding tens of
// thousands was still running after 9 minutes at 100,000 messages (the
// wire push took 20 s): a long wait for a row that only shows what
// MULTIAPPEND saves.
const plainAppendMax = 20000

// benchProject creates the project the push keeps its mapping and journal
// in (the pull alone needs none).
func benchProject(data string) error {
	db, err := store.Open(data, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Project(benchBox.ProjectID); err == nil {
		return nil
	}
	p, err := db.CreateProject(store.Project{Name: benchBox.ProjectID, Profile: sync.ProfileGeneric})
	if err == nil && p.ID != benchBox.ProjectID {
		err = fmt.Errorf("bench project got ID %q", p.ID)
	}
	return err
}

type pushResult struct {
	Uploaded int   `json:"uploaded"`
	Already  int   `json:"already"`
	Found    int   `json:"found"`
	Bytes    int64 `json:"bytes"`
	Elapsed  int64 `json:"elapsed_ns"`
	childMemory
	Err string
}

// destEndpoint is user's login on the destination server at addr.
func destEndpoint(addr, user string) sync.Endpoint {
	ep := endpoint(addr)
	ep.Username, ep.Password = user, []byte(destUsers[user])
	return ep
}

// childPush is the push child: one push of the bench mailbox to user on
// addr, its result as JSON on stdout.
func childPush(data, addr, user string, conns int, plain bool) int {
	db, done, ok := openChildStore(data)
	if !ok {
		return 1
	}
	defer done()
	split := residentSplit()
	rep, err := sync.Push(context.Background(), db, []sync.PushMailbox{{Box: benchBox, Endpoint: destEndpoint(addr, user)}}, sync.PushOptions{MaxConnections: conns, PlainAppend: plain})
	t := rep.Totals()
	res := pushResult{Uploaded: t.Uploaded, Already: t.Already, Found: t.Found, Bytes: rep.Bytes, Elapsed: int64(rep.Elapsed), childMemory: split()}
	if err != nil || rep.Exceptions() {
		res.Err = fmt.Sprint(err, " ", rep.Summary())
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// runPushChild runs a push in a child process (wall time, peak RSS).
func runPushChild(data, addr, user string, conns int, plain bool) (row, error) {
	var res pushResult
	r, err := runJSONChild("push", &res, "-push-child", data, "-addr", addr, "-user", user, "-connections", strconv.Itoa(conns), "-plain-append="+strconv.FormatBool(plain))
	if err != nil {
		return row{}, err
	}
	if res.Err != "" {
		return row{}, fmt.Errorf("push: %s", res.Err)
	}
	r.messages, r.bytes, r.rssKB = res.Uploaded, res.Bytes, res.PeakKB
	r.note = fmt.Sprintf("%d uploaded, %d found, %d confirmed by the journal; engine time %v; %s",
		res.Uploaded, res.Found, res.Already, time.Duration(res.Elapsed).Round(time.Millisecond), res.note())
	return r, nil
}

// childCopy is the copy child: one sync.Copy of the bench mailbox from
// the source at srcAddr to user on addr, its result as JSON on stdout.
func childCopy(data, srcAddr, addr, user string, conns int) int {
	db, done, ok := openChildStore(data)
	if !ok {
		return 1
	}
	defer done()
	split := residentSplit()
	start := time.Now()
	prep, rep, err := sync.Copy(context.Background(), db, []sync.CopyMailbox{{Box: benchBox, Source: endpoint(srcAddr), Dest: destEndpoint(addr, user)}},
		sync.PullOptions{MaxConnections: conns}, sync.PushOptions{MaxConnections: conns})
	t := rep.Totals()
	res := pushResult{Uploaded: t.Uploaded, Already: t.Already, Found: t.Found, Bytes: rep.Bytes, Elapsed: int64(time.Since(start)), childMemory: split()}
	if err != nil || prep.Exceptions() || rep.Exceptions() {
		res.Err = fmt.Sprint(err, " pull: ", prep.Summary(), " push: ", rep.Summary())
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// runCopyChild runs a copy in a child process (wall time, peak RSS).
func runCopyChild(data, srcAddr, addr, user string, conns int) (row, error) {
	var res pushResult
	r, err := runJSONChild("copy", &res, "-copy-child", data, "-src-addr", srcAddr, "-addr", addr, "-user", user, "-connections", strconv.Itoa(conns))
	if err != nil {
		return row{}, err
	}
	if res.Err != "" {
		return row{}, fmt.Errorf("copy: %s", res.Err)
	}
	r.name = "Mailshift copy (pull+push at once)"
	r.messages, r.bytes, r.rssKB = res.Uploaded, res.Bytes, res.PeakKB
	r.note = fmt.Sprintf("the first pass as one run (mailshift copy): %d uploaded; engine time %v; %s",
		res.Uploaded, time.Duration(res.Elapsed).Round(time.Millisecond), res.note())
	return r, nil
}
