package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// A small disk left mounted by a test process that was killed (its cleanup
// never ran) is unmounted by the next SmallDisk; one whose process still
// runs (a package tested beside this one) is left alone.
func TestSmallDiskUnmountsOnlyOrphans(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	orphan, alive := t.TempDir(), t.TempDir()
	for _, m := range []struct{ dir, pid string }{{orphan, strconv.Itoa(dead.Process.Pid)}, {alive, strconv.Itoa(os.Getppid())}} {
		if out, err := privileged("mount", "-t", "tmpfs", "-o", "size=65536", diskSource+m.pid, m.dir).CombinedOutput(); err != nil {
			t.Fatalf("mount: %v: %s", err, out)
		}
	}
	t.Cleanup(func() { privileged("umount", alive).Run(); privileged("umount", orphan).Run() })
	SmallDisk(t, 1<<20, 0)
	mounts, _ := os.ReadFile("/proc/self/mounts")
	if strings.Contains(string(mounts), " "+orphan+" ") {
		t.Error("the dead process's disk is still mounted")
	}
	if !strings.Contains(string(mounts), " "+alive+" ") {
		t.Error("a live process's disk was unmounted")
	}
}
