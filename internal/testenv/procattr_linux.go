package testenv

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the kernel stop a server started by a test when the
// test process itself dies (e.g. killed by `go test -timeout`), so no
// orphaned Dovecot outlives the run that started it. Pdeathsig belongs to
// the starting OS thread; Go keeps threads alive, and Stop remains the
// normal path.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
