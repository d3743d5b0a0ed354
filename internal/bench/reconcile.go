package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"mailshift/sync"
)

type reconcileResult struct {
	Matched int    `json:"matched"`
	Missing int    `json:"missing"`
	Sampled int    `json:"sampled"`
	Verdict string `json:"verdict"`
	OK      bool   `json:"ok"`
	Elapsed int64  `json:"elapsed_ns"`
	childMemory
	Err string
}

// childReconcile is the reconcile child: one reconciliation of the bench
// mailbox as the app runs it (the source's counts read fresh, the
// destination fetched fresh, the default sample compared byte for byte),
// its result as JSON on stdout.
func childReconcile(data, srcAddr, dstAddr, user string) int {
	db, done, ok := openChildStore(data)
	if !ok {
		return 1
	}
	defer done()
	split := residentSplit()
	start := time.Now()
	mbs := []sync.ReconcileMailbox{{Box: benchBox, Source: endpoint(srcAddr), Dest: destEndpoint(dstAddr, user)}}
	rec, err := sync.Reconcile(context.Background(), db, mbs, sync.ReconcileOptions{})
	t := rec.Totals()
	res := reconcileResult{Matched: t.Matched, Missing: t.Missing, Sampled: t.Sampled, Verdict: rec.Verdict(), OK: rec.OK(),
		Elapsed: int64(time.Since(start)), childMemory: split()}
	if err != nil {
		res.Err = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// runReconcileChild runs a reconciliation in a child process (wall time,
// peak RSS); a verdict other than "all on the destination" is an error.
func runReconcileChild(data, srcAddr, dstAddr, user string) (row, error) {
	var res reconcileResult
	r, err := runJSONChild("reconcile", &res, "-reconcile-child", data, "-src-addr", srcAddr, "-addr", dstAddr, "-user", user)
	if err != nil {
		return row{}, err
	}
	if res.Err != "" || !res.OK {
		return row{}, fmt.Errorf("reconcile: %s (%s)", res.Verdict, res.Err)
	}
	r.name, r.messages, r.rssKB = "Mailshift reconcile", res.Matched, res.PeakKB
	r.note = fmt.Sprintf("%s; engine time %v; %s", res.Verdict, time.Duration(res.Elapsed).Round(time.Millisecond), res.note())
	return r, nil
}
