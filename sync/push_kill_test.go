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
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// TestPushKillChild is the child process of TestPushSurvivesTwentyKills
// (TestMain belongs to the pull's kill test). With MAILSHIFT_PUSH_CHILD
// set it pushes the store at that folder and exits; MAILSHIFT_PUSH_DIE
// ("intent:3") makes it SIGKILL itself at that journal step, so the kill
// lands exactly between the server's answer and its record;
// MAILSHIFT_PUSH_CONNS and MAILSHIFT_PUSH_WINDOW override its connection
// cap (2) and window (5). Without the variable it only proves the child
// cannot run by accident.
func TestPushKillChild(t *testing.T) {
	dir := os.Getenv("MAILSHIFT_PUSH_CHILD")
	if dir == "" {
		if os.Getenv("MAILSHIFT_PUSH_DIE") != "" {
			t.Fatal("MAILSHIFT_PUSH_DIE without MAILSHIFT_PUSH_CHILD")
		}
		return
	}
	os.Exit(pushChild(dir))
}

func pushChild(dir string) int {
	port, _ := strconv.Atoi(os.Getenv("MAILSHIFT_CHILD_PORT"))
	ep := Endpoint{Server: store.Server{Host: "127.0.0.1", Port: port, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: testenv.DefaultUser, Password: []byte(testenv.DefaultPassword)}
	db, err := store.Open(dir, store.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		fmt.Println("open:", err)
		return 3
	}
	defer db.Close()
	dieStep, dieAt := "", -1
	if v := os.Getenv("MAILSHIFT_PUSH_DIE"); v != "" {
		s, n, _ := strings.Cut(v, ":")
		dieStep, dieAt = s, atoiOr(n, 1)
	}
	seen := map[string]int{}
	var mu gosync.Mutex // with room for two workers (plain APPEND) the hook runs on both
	hook := func(step string, n int) {
		mu.Lock()
		defer mu.Unlock()
		seen[step]++
		fmt.Printf("%s %d\n", step, n)
		if step == dieStep && seen[step] == dieAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
	rep, err := Push(context.Background(), db, []PushMailbox{{Box: store.BoxKey{ProjectID: "p", MailboxID: ep.Username}, Endpoint: ep}},
		PushOptions{Window: atoiOr(os.Getenv("MAILSHIFT_PUSH_WINDOW"), 5), MaxConnections: atoiOr(os.Getenv("MAILSHIFT_PUSH_CONNS"), 2),
			Backoff: 10 * time.Millisecond, CrashHook: hook, PlainAppend: os.Getenv("MAILSHIFT_PUSH_PLAIN") != ""})
	if err != nil || rep.Exceptions() {
		fmt.Println("push:", err, rep.Summary())
		return 4
	}
	fmt.Println("done")
	return 0
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// Killed with SIGKILL at least 20 times during a push, half of them exactly
// after the server accepted a window but before it was recorded, the other
// half at random moments (mid-literal included), then resumed: the
// destination holds every message exactly once with its flags and date.
func TestPushSurvivesTwentyKills(t *testing.T) {
	// MULTIAPPEND windows over an upload session, go-imap's APPEND (two
	// workers), and MULTIAPPEND over one connection's own session.
	for _, uc := range []uploadCase{{"wire", 2, false}, {"plain", 2, true}, {"borrowed", 1, false}} {
		t.Run(uc.name, func(t *testing.T) {
			if uc.plain {
				t.Setenv("MAILSHIFT_PUSH_PLAIN", "1")
			}
			t.Setenv("MAILSHIFT_PUSH_CONNS", strconv.Itoa(uc.conns))
			pushSurvivesTwentyKills(t)
		})
	}
}

func pushSurvivesTwentyKills(t *testing.T) {
	e := newPushEnv(t, styleSlash, styleDot, 5)
	dir := e.db.Dir()
	e.db.Close()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	kills, landedLost := 0, 0
	for round := 0; round < 60 && kills < 20; round++ {
		die := ""
		if round%2 == 0 {
			die = fmt.Sprintf("sent:%d", rng.Intn(2)+1)
		}
		finished, lost := runPushChild(t, e.dst, dir, die, rng.Intn(2)+1, time.Duration(rng.Intn(5))*time.Millisecond)
		if finished {
			break
		}
		kills++
		if lost {
			landedLost++
		}
	}
	if kills < 20 {
		t.Fatalf("only %d kills before the push finished: the corpus is too small", kills)
	}
	if finished, _ := runPushChild(t, e.dst, dir, "", 0, 0); !finished {
		t.Fatal("the resumed push did not finish")
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	defer db.Close()
	if n := e.assertDestMatchesSource(t); n != 490 {
		t.Fatalf("%d compared", n)
	}
	t.Logf("%d kills (%d right after the server's answer, before its record), then resumed: exactly once", kills, landedLost)
}

// runPushChild runs one child push. With die set the child kills itself
// at that journal step; else with killAfter > 0 the parent kills it after
// that many recorded windows plus jitter. It reports whether the push
// finished and whether the child died with answers unrecorded.
func runPushChild(t *testing.T, d *testenv.Dovecot, dir, die string, killAfter int, jitter time.Duration) (finished, lost bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPushKillChild$")
	cmd.Env = append(os.Environ(), "MAILSHIFT_PUSH_CHILD="+dir, "MAILSHIFT_CHILD_PORT="+strings.Split(d.Addr, ":")[1], "MAILSHIFT_PUSH_DIE="+die)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	recorded, last := 0, ""
	for sc.Scan() {
		last = sc.Text()
		finished = finished || last == "done"
		if strings.HasPrefix(last, "recorded ") {
			recorded++
			if die == "" && killAfter > 0 && recorded == killAfter {
				time.Sleep(jitter)
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	lost = die != "" && strings.HasPrefix(last, "sent ")
	if killAfter == 0 && die == "" && (err != nil || !finished) {
		t.Fatalf("child push failed: %v (last line %q)", err, last)
	}
	return finished, lost
}
