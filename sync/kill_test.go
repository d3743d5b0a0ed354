package sync

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// TestMain doubles as the child process of the kill test: with
// MAILSHIFT_PULL_CHILD set, it runs one pull and exits instead of testing.
func TestMain(m *testing.M) {
	// Tests resume at once after a kill; a second is ample for the
	// loopback Dovecot to finish storing what a dead run had sent.
	SettleTime = time.Second
	if dir := os.Getenv("MAILSHIFT_PULL_CHILD"); dir != "" {
		os.Exit(pullChild(dir))
	}
	os.Exit(m.Run())
}

// pullChild pulls the mailbox named by the environment into the store at
// dir, printing one line per committed batch so the parent can kill it in
// the middle of real work.
func pullChild(dir string) int {
	port, _ := strconv.Atoi(os.Getenv("MAILSHIFT_CHILD_PORT"))
	ep := Endpoint{Server: store.Server{Host: "127.0.0.1", Port: port, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: os.Getenv("MAILSHIFT_CHILD_USER"), Password: []byte(os.Getenv("MAILSHIFT_CHILD_PASSWORD"))}
	db, err := store.Open(dir, store.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		fmt.Println("open:", err)
		return 3
	}
	defer db.Close()
	opts := PullOptions{BatchSize: 7, MaxConnections: 3, Backoff: 10 * time.Millisecond, Progress: lineProgress{}}
	if n, _ := strconv.Atoi(os.Getenv("MAILSHIFT_CHILD_CONNS")); n > 0 {
		opts.MaxConnections = n
	}
	// MAILSHIFT_CHILD_DIE=step:n kills the child when the n-th batch
	// reaches that commit step (PullOptions.CrashHook).
	if step, at, ok := strings.Cut(os.Getenv("MAILSHIFT_CHILD_DIE"), ":"); ok {
		n, _ := strconv.Atoi(at)
		opts.CrashHook = func(s string, i int) {
			if s == step && i == n {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way
			}
		}
	}
	rep, err := Pull(context.Background(), db, []PullMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: ep.Username}, Endpoint: ep}}, opts)
	if err != nil || rep.Mailboxes[0].Err != "" {
		fmt.Println("pull:", err, rep.Mailboxes[0].Err)
		return 4
	}
	fmt.Println("done")
	return 0
}

type lineProgress struct{ NoProgress }

func (lineProgress) Stored(_ string, n int, _ int64) { fmt.Printf("stored %d\n", n) }

// Killed with SIGKILL at random points of a pull, at least 20 times, then
// resumed: every message is stored exactly once and byte-exact, no index
// entry lacks its bytes, the store's check is clean and the offline
// verification says so.
func TestPullSurvivesTwentyKills(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	// Big enough that twenty kills come before the end on a fast machine:
	// 1,200 messages were pulled in 17 rounds on one (the kills land after
	// one to four batches of 7, plus the jitter).
	const perFolder, total = 600, 1800
	for _, folder := range []string{"INBOX", "Archive/2024", "Projects/Big"} {
		var msgs []testenv.Message
		for i := 0; i < perFolder; i++ {
			raw := testenv.SimpleMessage(i, folder)
			if i%50 == 0 { // a few larger ones, so kills land mid-literal too
				raw = append(raw, []byte(strings.Repeat("large attachment line\r\n", 8000))...)
			}
			msgs = append(msgs, testenv.Message{Raw: raw})
		}
		d.Load(t, testenv.DefaultUser, folder, msgs)
	}
	src := snapshot(t, d, testenv.DefaultUser)
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	kills := 0
	for round := 0; round < 60 && kills < 20; round++ {
		finished := runChildUntil(t, d, dir, rng.Intn(4)+1, time.Duration(rng.Intn(8))*time.Millisecond)
		if finished {
			t.Fatalf("the pull finished after only %d kills: the corpus is too small for the test", kills)
		}
		kills++
	}
	if kills < 20 {
		t.Fatalf("only %d kills", kills)
	}
	// Resume to the end.
	if !runChildUntil(t, d, dir, 0, 0) {
		t.Fatal("the resumed pull did not finish")
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := compareStore(t, db, testenv.DefaultUser, src); n != total {
		t.Fatalf("%d messages compared, want %d", n, total)
	}
	res, err := db.Check(context.Background(), nil)
	if err != nil || len(res.Problems) > 0 || res.Records != total {
		t.Fatalf("store check after %d kills: %d records, problems %+v, %v", kills, res.Records, res.Problems, err)
	}
	// Each kill left its unindexed bytes at the ends of its packs; the
	// resumed pull's first writer gave them back.
	if res.Unreferenced != 0 {
		t.Errorf("after %d kills and a finished pull, %d bytes of the packs belong to no message", kills, res.Unreferenced)
	}
	v, err := VerifyOffline(context.Background(), db, "p", nil)
	if err != nil || !v.OK() || v.Verdict() != fmt.Sprintf("all %d messages of 3 folders verified", total) {
		t.Fatalf("verify: %s %+v %v", v.Verdict(), v.Folders, err)
	}
	t.Logf("%d kills, then resumed: %s", kills, v.Verdict())
}

// runChildUntil starts a child pull; with killAfter > 0 it SIGKILLs the
// child once that many batches are committed (plus jitter), else it waits
// for the child to finish. It reports whether the child finished the pull.
func runChildUntil(t *testing.T, d *testenv.Dovecot, dir string, killAfter int, jitter time.Duration) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MAILSHIFT_PULL_CHILD="+dir, "MAILSHIFT_CHILD_PORT="+strings.Split(d.Addr, ":")[1],
		"MAILSHIFT_CHILD_USER="+testenv.DefaultUser, "MAILSHIFT_CHILD_PASSWORD="+testenv.DefaultPassword)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	batches, finished, last := 0, false, ""
	for sc.Scan() {
		last = sc.Text()
		if last == "done" {
			finished = true
		}
		if strings.HasPrefix(last, "stored ") {
			batches++
			if killAfter > 0 && batches == killAfter {
				time.Sleep(jitter) // where in the next batch the kill lands
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	go func() {
		for sc.Scan() { // drain so the child never blocks on a full pipe
		}
	}()
	err = cmd.Wait()
	if killAfter == 0 && (err != nil || !finished) {
		t.Fatalf("child pull failed: %v (last line %q)", err, last)
	}
	return finished
}
