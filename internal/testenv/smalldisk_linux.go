package testenv

import (
	"fmt"
	"os"
	"os/exec"
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
	dir := t.TempDir()
	opts := fmt.Sprintf("size=%d,mode=0700,uid=%d,gid=%d", size, os.Getuid(), os.Getgid())
	if inodes > 0 {
		opts += fmt.Sprintf(",nr_inodes=%d", inodes)
	}
	if out, err := privileged("mount", "-t", "tmpfs", "-o", opts, "mailshift-test", dir).CombinedOutput(); err != nil {
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

func privileged(name string, args ...string) *exec.Cmd {
	if os.Getuid() == 0 {
		return exec.Command(name, args...)
	}
	return exec.Command("sudo", append([]string{"-n", name}, args...)...)
}
