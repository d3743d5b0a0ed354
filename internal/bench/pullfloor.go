package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// keepCost is what any pull that keeps what it reads must spend on top of
// the raw bound's reader, measured on this machine: SHA-256 over every
// byte (the store is content-addressed) and writing every byte to a file,
// fsynced. The raw bound does neither, so on a machine whose cores the
// server shares these costs set how close to the bound a pull can come,
// whatever the pull's own code.
type keepCost struct {
	hash  time.Duration // this process's CPU for SHA-256 of the bytes, one thread
	write time.Duration // the whole machine's CPU for writing them with fsync (the kernel's writeback included)
}

// measureKeepCost hashes and writes n bytes in dir, and removes what it
// wrote. The data are pseudo-random, in 1 MiB writes with an fsync every
// 32 MiB, as the store's group commits do; the CPU figures are the least
// these steps cost, since the pull also parses, indexes and commits.
func measureKeepCost(dir string, n int64) (keepCost, error) {
	var c keepCost
	buf := make([]byte, 1<<20)
	seed := uint64(0x9e3779b97f4a7c15)
	for i := range buf {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		buf[i] = byte(seed)
	}
	chunk := func(done int64) []byte { return buf[:min(int64(len(buf)), n-done)] }

	// This process does nothing else meanwhile: its CPU is the hashing's.
	self := selfCPU()
	h := sha256.New()
	for done := int64(0); done < n; done += int64(len(chunk(done))) {
		h.Write(chunk(done))
	}
	h.Sum(nil)
	c.hash = selfCPU() - self

	path := filepath.Join(dir, "keepcost")
	f, err := os.Create(path)
	if err != nil {
		return c, err
	}
	defer os.Remove(path)
	defer f.Close()
	busy := cpuClock()
	for done, synced := int64(0), int64(0); done < n; {
		w, err := f.Write(chunk(done))
		if err != nil {
			return c, err
		}
		done += int64(w)
		if done-synced >= 32<<20 || done == n {
			if err := f.Sync(); err != nil {
				return c, err
			}
			synced = done
		}
	}
	c.write = cpuClock() - busy
	return c, nil
}

// printPullFloor sets the best pull against what the raw bound's run cost
// the whole machine (serving and reading the corpus) plus keeping it.
func printPullFloor(raw, pull row, keep keepCost) {
	if raw.allCPU <= 0 || pull.wall <= 0 {
		return
	}
	cores := time.Duration(runtime.NumCPU())
	need := raw.allCPU + keep.hash + keep.write
	floor := need / cores
	fmt.Printf("floor: serving and reading the corpus took the machine %.2f CPU-s (the raw bound's round), SHA-256 of every byte %.2f CPU-s and writing it with fsync %.2f CPU-s (measured here): "+
		"a pull that hashes and keeps every byte needs %.2f CPU-s, on %d cores at least %v = %.2fx the raw bound at best; Mailshift's pull: %.2f CPU-s on the machine, %v\n",
		raw.allCPU.Seconds(), keep.hash.Seconds(), keep.write.Seconds(), need.Seconds(), cores, floor.Round(time.Millisecond),
		raw.wall.Seconds()/floor.Seconds(), pull.allCPU.Seconds(), pull.wall.Round(time.Millisecond))
}
