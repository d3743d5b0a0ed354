package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuClock is the CPU time the whole machine has spent busy (user, nice,
// system, interrupts, steal) since boot, from /proc/stat. Two readings
// around a run say how much CPU the run took on every side — the servers
// included, whose IMAP processes come and go with their connections —
// and, set against the wall time on this 2-core machine, whether the run
// was bound by CPU at all. Zero where /proc/stat cannot be read.
func cpuClock() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
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
