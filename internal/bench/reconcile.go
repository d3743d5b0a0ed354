package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"

	"mailshift/store"
	"mailshift/sync"
)

type reconcileResult struct {
	Matched int    `json:"matched"`
	Missing int    `json:"missing"`
	Sampled int    `json:"sampled"`
	Verdict string `json:"verdict"`
	OK      bool   `json:"ok"`
	Elapsed int64  `json:"elapsed_ns"`
	PeakKB  int64  `json:"peak_kb"`
	AnonKB  int64  `json:"anon_kb"` // as in childResult
	LiveKB  int64  `json:"live_kb"`
	FileKB  int64  `json:"file_kb"`
	Err     string
}

// childReconcile is the reconcile child: one reconciliation of the bench
// mailbox as the app runs it (the source's counts read fresh, the
// destination fetched fresh, the default sample compared byte for byte),
// its result as JSON on stdout.
func childReconcile(data, srcAddr, dstAddr, user string) int {
	db, err := store.Open(data, store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	defer cpuProfile()()
	split := residentSplit()
	dst := endpoint(dstAddr)
	dst.Username, dst.Password = user, []byte(destUsers[user])
	start := time.Now()
	rec, err := sync.Reconcile(context.Background(), db, []sync.ReconcileMailbox{{Box: benchBox, Source: endpoint(srcAddr), Dest: dst}}, sync.ReconcileOptions{})
	t := rec.Totals()
	res := reconcileResult{Matched: t.Matched, Missing: t.Missing, Sampled: t.Sampled, Verdict: rec.Verdict(), OK: rec.OK(),
		Elapsed: int64(time.Since(start)), PeakKB: vmHWM("self")}
	res.AnonKB, res.FileKB, res.LiveKB = split()
	if err != nil {
		res.Err = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// runReconcileChild runs a reconciliation in a child process (wall time,
// peak RSS); a verdict other than "all on the destination" is an error.
func runReconcileChild(data, srcAddr, dstAddr, user string) (row, error) {
	cmd := exec.Command(os.Args[0], "-reconcile-child", data, "-src-addr", srcAddr, "-addr", dstAddr, "-user", user)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start, busy := time.Now(), cpuClock()
	if err := cmd.Run(); err != nil {
		return row{}, fmt.Errorf("reconcile child: %v: %s", err, out.String())
	}
	wall, allCPU := time.Since(start), cpuClock()-busy
	var res reconcileResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return row{}, fmt.Errorf("reconcile child said %q", out.String())
	}
	if res.Err != "" || !res.OK {
		return row{}, fmt.Errorf("reconcile: %s (%s)", res.Verdict, res.Err)
	}
	return row{name: "Mailshift reconcile", messages: res.Matched, wall: wall, rssKB: res.PeakKB, cpu: ownCPU(cmd), allCPU: allCPU,
		note: fmt.Sprintf("%s; engine time %v; at most %.1f MB anonymous (live heap %.1f MB), %.1f MB mapped files",
			res.Verdict, time.Duration(res.Elapsed).Round(time.Millisecond), float64(res.AnonKB)/1024, float64(res.LiveKB)/1024, float64(res.FileKB)/1024)}, nil
}
