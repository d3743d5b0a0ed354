package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuClock is the CPU time the whole machine has spent busy (user, nice,
// system, interrupts) since boot, from /proc/stat. Two readings around a
// run say how much CPU the run took on every side — the servers included,
// whose IMAP processes come and go with their connections — and, set
// against the wall time on this 2-core machine, whether the run was bound
// by CPU at all. Zero where /proc/stat cannot be read.
func cpuClock() time.Duration { return readMachine().busy }

// machine is one reading of /proc/stat: busy is cpuClock's; steal is the
// time the virtual machine's host ran something else while this machine
// had work for its cores. On this project's VMs steal went from nothing to
// half of the cores' time within an hour, and every figure of a run with
// much of it is slower for reasons outside the benchmark: the table shows
// each run's share.
type machine struct{ busy, steal time.Duration }

// since is what the machine spent from m to now.
func (m machine) since() machine {
	now := readMachine()
	return machine{busy: now.busy - m.busy, steal: now.steal - m.steal}
}

func readMachine() machine {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machine{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machine{}
	}
	var busyTicks, stealTicks int64
	for i, v := range f[1:9] {
		n, _ := strconv.ParseInt(v, 10, 64)
		switch i {
		case 3, 4: // idle, iowait
		case 7:
			stealTicks = n
		default:
			busyTicks += n
		}
	}
	tick := time.Second / 100 // USER_HZ is 100 on Linux
	return machine{busy: time.Duration(busyTicks) * tick, steal: time.Duration(stealTicks) * tick}
}

// stolenShare is steal as a share of every core's time over wall.
func stolenShare(steal, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return steal.Seconds() / (wall.Seconds() * float64(runtime.NumCPU()))
}

// selfCPU is this process's own CPU time so far (user + system): taken
// around an in-process run (the raw bound, the loader) and subtracted from
// the machine's, it leaves what the servers and the kernel spent.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// warnStolen says which of the compared runs lost more than a twentieth of
// the cores' time to the VM's host: their ratios say more about the host's
// load than about the contenders.
func warnStolen(rows ...row) {
	for _, r := range rows {
		if share := stolenShare(r.steal, r.wall); share > 0.05 {
			fmt.Printf("warning: the VM's host took %.0f %% of the cores' time during %q: figures that use it are not comparable with a quiet machine's\n", 100*share, r.name)
		}
	}
}
