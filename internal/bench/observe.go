package main

// What the benchmark observes of a process besides time: its resident
// memory (peak, and split into anonymous and file-backed pages, with the
// live heap) and, on request, CPU and heap profiles and an execution trace.

import (
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"
)

// vmHWM reads a process's peak resident set (kB) from /proc. (wait4's
// ru_maxrss would include the parent's size at fork, which is the corpus.)
func vmHWM(pid string) int64 { return procStatus(pid, "VmHWM")[0] }

// procStatus reads kB figures of /proc/PID/status, one per key, in one
// read (0 for any absent).
func procStatus(pid string, keys ...string) []int64 {
	out := make([]int64, len(keys))
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		for i, key := range keys {
			if rest, ok := strings.CutPrefix(line, key+":"); ok {
				out[i], _ = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			}
		}
	}
	return out
}

// childMemory is a child's memory as it reports it: its peak resident set
// and residentSplit's peaks.
type childMemory struct {
	PeakKB int64 `json:"peak_kb"` // VmHWM of the child itself
	AnonKB int64 `json:"anon_kb"` // peak anonymous resident memory
	LiveKB int64 `json:"live_kb"` // peak live heap (after a GC)
	FileKB int64 `json:"file_kb"` // peak file-backed resident memory (the mapped index)
}

// note words m for a row's note.
func (m childMemory) note() string {
	return fmt.Sprintf("at most %.1f MB anonymous (live heap %.1f MB), %.1f MB mapped files", float64(m.AnonKB)/1024, float64(m.LiveKB)/1024, float64(m.FileKB)/1024)
}

// residentSplit samples this process's memory every 10 ms until stop is
// called, and returns the peaks of the two parts of its resident set —
// anonymous memory (heap, stacks) and file-backed pages (the bbolt index,
// which is memory-mapped: pages the kernel may drop at any time, growing
// with the index touched, not with what is held) — and of its live heap
// (as of the last GC: what the program holds; anonymous memory adds the
// GC's headroom). VmHWM counts all of it; the split says what grows.
func residentSplit() (stop func() childMemory) {
	done := make(chan struct{})
	out := make(chan [3]int64, 1)
	go func() {
		var anon, file, live int64
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			v := procStatus("self", "RssAnon", "RssFile")
			anon, file = max(anon, v[0]), max(file, v[1])
			if metrics.Read(sample); sample[0].Value.Kind() == metrics.KindUint64 {
				if v := int64(sample[0].Value.Uint64() / 1024); v > live+512 {
					live = v
					heapProfile() // at each new peak, for finding what is held
				}
			}
			select {
			case <-done:
				out <- [3]int64{anon, file, live}
				return
			case <-t.C:
			}
		}
	}()
	return func() childMemory {
		close(done)
		v := <-out
		return childMemory{PeakKB: vmHWM("self"), AnonKB: v[0], FileKB: v[1], LiveKB: v[2]}
	}
}

// watchPeak polls a running process's VmHWM (which only grows) until stop
// is closed, and returns the last value seen.
func watchPeak(pid int, stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := vmHWM(strconv.Itoa(pid)); v > peak {
				peak = v
			}
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// cpuProfile profiles a child into $MAILSHIFT_BENCH_CPUPROFILE.<pid>, for
// finding where the time goes; call the returned func to stop.
func cpuProfile() (stop func()) {
	path := os.Getenv("MAILSHIFT_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
	if err != nil {
		return func() {}
	}
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// execTrace writes a Go execution trace of a child into
// $MAILSHIFT_BENCH_TRACE.<pid> (go tool trace), for finding where a
// goroutine waits; call the returned func to stop.
func execTrace() (stop func()) {
	path := os.Getenv("MAILSHIFT_BENCH_TRACE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
	if err != nil {
		return func() {}
	}
	trace.Start(f)
	return func() { trace.Stop(); f.Close() }
}

// heapProfile writes the live heap to $MAILSHIFT_BENCH_HEAPPROFILE.<pid>
// (overwritten at each call), when that is set.
func heapProfile() {
	path := os.Getenv("MAILSHIFT_BENCH_HEAPPROFILE")
	if path == "" {
		return
	}
	if f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid())); err == nil {
		pprof.WriteHeapProfile(f)
		f.Close()
	}
}
