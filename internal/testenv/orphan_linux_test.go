package testenv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// When a test process dies without cleaning up (go test -timeout kills
// it), the Dovecot it started must not live on.
func TestDovecotDiesWithTheTestThatStartedIt(t *testing.T) {
	if os.Getenv("MAILSHIFT_TESTENV_CHILD") == "1" {
		d, err := Start(DovecotOptions{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("pid", d.cmd.Process.Pid, d.dir)
		select {} // wait to be killed
	}
	RequireDovecot(t)
	child := exec.Command(os.Args[0], "-test.run=^TestDovecotDiesWithTheTestThatStartedIt$")
	child.Env = append(os.Environ(), "MAILSHIFT_TESTENV_CHILD=1")
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pid ") {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("child did not start Dovecot: %q %v", line, err)
	}
	fields := strings.Fields(line)
	pid, _ := strconv.Atoi(fields[1])
	if len(fields) == 3 && strings.Contains(fields[2], "mailshift-dovecot-") {
		defer os.RemoveAll(fields[2]) // the child had no chance to remove its folder
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("Dovecot master %d is not running: %v", pid, err)
	}
	child.Process.Kill() // SIGKILL: no cleanup runs in the child
	child.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for syscall.Kill(pid, 0) == nil && !zombie(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL) // ours: do not leave it behind
			t.Fatalf("Dovecot master %d outlived the killed test process", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// zombie reports whether pid exists only as an unreaped process (it then
// counts as gone: init reaps it).
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] == "Z"
}
