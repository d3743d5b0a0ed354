package main

import (
	"fmt"
	"os"
	"os/signal"
	gosync "sync"
	"syscall"

	"mailshift/internal/testenv"
)

// workDirs are the benchmark's work folders not yet removed: an
// interrupted run removes them, as a finished one does.
var workDirs struct {
	mu   gosync.Mutex
	dirs map[string]bool
}

// removeOnInterrupt registers dir for removal if the run is interrupted;
// the returned func removes it now and unregisters it.
func removeOnInterrupt(dir string) (remove func()) {
	workDirs.mu.Lock()
	defer workDirs.mu.Unlock()
	if workDirs.dirs == nil {
		workDirs.dirs = map[string]bool{}
	}
	workDirs.dirs[dir] = true
	return func() {
		workDirs.mu.Lock()
		delete(workDirs.dirs, dir)
		workDirs.mu.Unlock()
		os.RemoveAll(dir)
	}
}

// cleanUpOnInterrupt makes Ctrl-C (or SIGTERM) stop the servers the run
// started and remove its work folders before the program exits: the
// servers keep their mail in memory (tmpfs), gigabytes at -n 100000, which
// would otherwise stay there until the machine restarts.
func cleanUpOnInterrupt() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		testenv.StopAll()
		workDirs.mu.Lock()
		for dir := range workDirs.dirs {
			os.RemoveAll(dir)
		}
		workDirs.mu.Unlock()
		fmt.Fprintf(os.Stderr, "bench: %v: the servers are stopped and the work folders removed\n", s)
		os.Exit(130)
	}()
}
