//go:build !linux

package testenv

import "os/exec"

// dieWithTest: only Linux offers a parent-death signal; elsewhere Stop
// (and t.Cleanup) is the only way a test's server ends.
func dieWithTest(cmd *exec.Cmd) {}
