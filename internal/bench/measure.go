package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
	"mailshift/store"
	"mailshift/sync"
)

var benchBox = store.BoxKey{ProjectID: "bench", MailboxID: testenv.DefaultUser}

func endpoint(addr string) sync.Endpoint {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return sync.Endpoint{Server: store.Server{Host: host, Port: n, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: testenv.DefaultUser, Password: []byte(testenv.DefaultPassword)}
}

type childResult struct {
	Stored  int   `json:"stored"`
	Bytes   int64 `json:"bytes"`
	Elapsed int64 `json:"elapsed_ns"`
	childMemory
	Err string
}

// childPull is the child process: one pull, its result as JSON on stdout.
func childPull(data, addr string, conns int) int {
	db, done, ok := openChildStore(data)
	if !ok {
		return 1
	}
	defer done()
	defer execTrace()()
	split := residentSplit()
	rep, err := sync.Pull(context.Background(), db, []sync.PullMailbox{{Box: benchBox, Endpoint: endpoint(addr)}}, sync.PullOptions{MaxConnections: conns})
	stored, _, _, _, _ := rep.Counts()
	res := childResult{Stored: stored, Bytes: rep.Bytes, Elapsed: int64(rep.Elapsed), childMemory: split()}
	if err != nil || rep.Exceptions() {
		res.Err = fmt.Sprint(err, " ", rep.Summary())
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// openChildStore opens a child's store and starts the profiles asked for
// (MAILSHIFT_BENCH_CPUPROFILE, finer heap sampling with
// MAILSHIFT_BENCH_HEAPPROFILE); done stops them and closes the store. A
// store that does not open is reported on stderr (ok false).
func openChildStore(data string) (db *store.DB, done func(), ok bool) {
	if os.Getenv("MAILSHIFT_BENCH_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 4096 // the default samples one allocation per 512 KB: too coarse for a heap of a few MB
	}
	db, err := store.Open(data, store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil, false
	}
	stop := cpuProfile()
	return db, func() { stop(); db.Close() }, true
}

// runChild runs a pull in a child process and measures its wall time and
// peak RSS.
func runChild(data, addr string, conns int) (row, error) {
	var res childResult
	r, err := runJSONChild("pull", &res, "-child", data, "-addr", addr, "-connections", strconv.Itoa(conns))
	if err != nil {
		return row{}, err
	}
	if res.Err != "" {
		return row{}, fmt.Errorf("pull: %s", res.Err)
	}
	r.messages, r.bytes, r.rssKB = res.Stored, res.Bytes, res.PeakKB
	r.note = fmt.Sprintf("engine time %v (the rest is process start and store open); %s",
		time.Duration(res.Elapsed).Round(time.Millisecond), res.note())
	return r, nil
}

// runJSONChild runs this program again with args (one of its -*-child
// modes), decodes the JSON the child prints into res, and measures the
// child's wall time, its own CPU, the whole machine's and the host's steal
// meanwhile (the returned row's other fields are the caller's to fill).
func runJSONChild(what string, res any, args ...string) (row, error) {
	cmd := exec.Command(os.Args[0], args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start, m0 := time.Now(), readMachine()
	if err := cmd.Run(); err != nil {
		return row{}, fmt.Errorf("%s child: %v: %s", what, err, out.String())
	}
	spent := m0.since()
	r := row{wall: time.Since(start), allCPU: spent.busy, steal: spent.steal, cpu: ownCPU(cmd)}
	if err := json.Unmarshal(out.Bytes(), res); err != nil {
		return row{}, fmt.Errorf("%s child said %q", what, out.String())
	}
	return r, nil
}

// rawBound streams every folder's UID FETCH 1:* BODY.PEEK[] to nowhere on
// one connection: what the server can serve to a trivial client. Its time
// runs from connecting to the last byte, as Mailshift's does (which also
// counts its process start and store open).
func rawBound(d *testenv.Dovecot) (r row, err error) {
	r = row{name: "raw UID FETCH 1:* BODY.PEEK[] (1 conn)"}
	start, m0, self := time.Now(), readMachine(), selfCPU()
	defer func() {
		spent := m0.since()
		r.allCPU, r.steal, r.cpu = spent.busy, spent.steal, selfCPU()-self
	}()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		return r, err
	}
	defer c.Close()
	if err := c.Login(testenv.DefaultUser, testenv.DefaultPassword).Wait(); err != nil {
		return r, err
	}
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		return r, err
	}
	buf := make([]byte, 256<<10)
	for _, b := range boxes {
		if _, err := c.Select(b.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			continue // \Noselect parents
		}
		cmd := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
					n, _ := io.CopyBuffer(io.Discard, body.Literal, buf)
					r.bytes += n
					r.messages++
				}
			}
		}
		if err := cmd.Close(); err != nil {
			return r, err
		}
	}
	r.wall = time.Since(start)
	return r, nil
}

// mbsyncAccount is an mbsync IMAP account on a plaintext loopback server
// and its store (path, when set, is the store's prefix).
func mbsyncAccount(account, imapStore, addr, user, pass, path string) string {
	host, port, _ := net.SplitHostPort(addr)
	conf := fmt.Sprintf("IMAPAccount %s\nHost %s\nPort %s\nUser %s\nPass %s\nSSLType None\nAuthMechs LOGIN\n\nIMAPStore %s\nAccount %s\n",
		account, host, port, user, pass, imapStore, account)
	if path != "" {
		conf += "Path " + path + "\n"
	}
	return conf
}

// runMbsync pulls the same mailbox with mbsync into a Maildir.
func runMbsync(d *testenv.Dovecot, dir string) (row, error) {
	r := row{name: "mbsync (isync) into a Maildir"}
	if _, err := exec.LookPath("mbsync"); err != nil {
		return r, fmt.Errorf("mbsync is not installed: install isync (`make test` does this)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return r, err
	}
	rc := filepath.Join(dir, "mbsyncrc")
	conf := mbsyncAccount("src", "remote", d.Addr, testenv.DefaultUser, testenv.DefaultPassword, "") + fmt.Sprintf(`
MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel pull
Far :remote:
Near :local:
Patterns *
Create Near
Sync Pull
SyncState *
`, dir, dir)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		return r, err
	}
	runMeasured(exec.Command("mbsync", "-c", rc, "-a", "-q"), &r)
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && (filepath.Base(filepath.Dir(path)) == "cur" || filepath.Base(filepath.Dir(path)) == "new") {
			r.messages++
			r.bytes += info.Size()
		}
		return nil
	})
	return r, nil
}

// runMeasured runs a peer's command and fills r's wall time, peak RSS and
// CPU figures; a failed run's output goes into r's note and is not an
// error of the benchmark.
func runMeasured(cmd *exec.Cmd, r *row) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start, m0 := time.Now(), readMachine()
	err := cmd.Start()
	if err == nil {
		stop := make(chan struct{})
		peak := watchPeak(cmd.Process.Pid, stop)
		err = cmd.Wait()
		close(stop)
		r.rssKB = <-peak
	}
	spent := m0.since()
	r.wall, r.allCPU, r.steal, r.cpu = time.Since(start), spent.busy, spent.steal, ownCPU(cmd)
	if err != nil {
		r.note = fmt.Sprintf("exit %v: %.200s", err, out.String())
	}
}

// ownCPU is a finished child's user + system time.
func ownCPU(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
