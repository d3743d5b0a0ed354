package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// SmallDisk returns a fresh folder on a disk of its own of size bytes (and,
// when inodes > 0, room for that many files), a tmpfs mounted for the test
// and unmounted when it ends: a real file system that fills up and
// answers "no space left on device" like a full laptop disk, with no risk
// to the machine's own disks. Mounting needs root or passwordless sudo, as
// installing the test packages does (`make test`); without either the
// test fails and says so.
func SmallDisk(t testing.TB, size int64, inodes int) string {
	t.Helper()
	unmountOrphans()
	dir := t.TempDir()
	opts := fmt.Sprintf("size=%d,mode=0700,uid=%d,gid=%d", size, os.Getuid(), os.Getgid())
	if inodes > 0 {
		opts += fmt.Sprintf(",nr_inodes=%d", inodes)
	}
	if out, err := privileged("mount", "-t", "tmpfs", "-o", opts, diskSource+strconv.Itoa(os.Getpid()), dir).CombinedOutput(); err != nil {
		t.Fatalf("this test needs a small disk of its own (a tmpfs), which only root or passwordless sudo may mount: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := privileged("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("unmount the test's small disk %s: %v: %s", dir, err, out)
			privileged("umount", "-l", dir).Run() // detach it at least: nothing of the test may stay mounted
		}
	})
	return dir
}

// diskSource names a small disk's mount after the test process that made
// it ("mailshift-test-<pid>" in /proc/mounts), so that a later test can
// tell a disk left behind by a killed process (its cleanup never ran)
// from one a test running beside it still uses.
const diskSource = "mailshift-test-"

// unmountOrphans unmounts the small disks of test processes that no longer
// exist. A failure is left alone: it is a leftover, not this test's fault.
func unmountOrphans() {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[2] != "tmpfs" || !strings.HasPrefix(f[0], diskSource) {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimPrefix(f[0], diskSource))
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue // alive (or not ours to judge)
		}
		// /proc/mounts escapes spaces and the like as \ooo octal.
		dir := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(f[1])
		if privileged("umount", dir).Run() == nil {
			os.RemoveAll(dir)
		}
	}
}

func privileged(name string, args ...string) *exec.Cmd {
	if os.Getuid() == 0 {
		return exec.Command(name, args...)
	}
	return exec.Command("sudo", append([]string{"-n", name}, args...)...)
}
