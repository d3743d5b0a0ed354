package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"mailshift/internal/testenv"
)

// The IMAP-to-IMAP comparison's peer and bound: mbsync with both stores
// IMAP, and the floor the two servers' own CPU sets for any copier.

// mbsyncIMAP copies the source to the destination's "mbsync" login with
// mbsync, both stores IMAP (the near one with the INBOX. prefix).
func mbsyncIMAP(src, dst *testenv.Dovecot, dir string) (row, error) {
	return mbsyncIMAPVia(src.Addr, dst.Addr, dst, dir)
}

// mbsyncIMAPVia is mbsyncIMAP with mbsync connecting to srcAddr and
// dstAddr (a link in front of the servers); dst is counted directly.
func mbsyncIMAPVia(srcAddr, dstAddr string, dst *testenv.Dovecot, dir string) (row, error) {
	r := row{name: "mbsync IMAP -> IMAP"}
	if _, err := exec.LookPath("mbsync"); err != nil {
		return r, fmt.Errorf("mbsync is not installed: install isync (`make test` does this)")
	}
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o700); err != nil {
		return r, err
	}
	conf := mbsyncAccount("src", "far", srcAddr, testenv.DefaultUser, testenv.DefaultPassword, "") + "\n" +
		mbsyncAccount("dst", "near", dstAddr, "mbsync", destUsers["mbsync"], "INBOX.") + fmt.Sprintf(`
Channel copy
Far :far:
Near :near:
Patterns *
Create Near
Sync Pull
SyncState %s/state/
`, dir)
	rc := filepath.Join(dir, "mbsyncrc")
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		return r, err
	}
	runMeasured(exec.Command("mbsync", "-c", rc, "-a", "-q"), &r)
	r.messages, r.bytes, _ = countFolders(dst, "mbsync")
	return r, nil
}

// printFloor says how fast any copier could go on this machine: the
// servers' own CPU for serving the corpus (the raw bound's, less the
// client's) and for ingesting it (the loader's, less the loader's), spread
// over every core with nothing else running, is a floor under the first
// pass's time whatever the copier does; its own CPU comes on top.
func printFloor(raw, loader, both, mb row) {
	servers := (raw.allCPU - raw.cpu) + (loader.allCPU - loader.cpu)
	if servers <= 0 || both.messages == 0 {
		return
	}
	cores := time.Duration(runtime.NumCPU())
	floor, withOwn := servers/cores, (servers+both.cpu)/cores
	rate := func(d time.Duration) float64 { return float64(both.messages) / d.Seconds() }
	vs := func(d time.Duration) string {
		if mb.msgsPerSec() <= 0 {
			return ""
		}
		return fmt.Sprintf(" = %.2fx mbsync", rate(d)/mb.msgsPerSec())
	}
	fmt.Printf("floor: the servers alone need %.2f CPU-s to serve and ingest the corpus: on %d cores at least %v (%.0f msgs/s%s) for any copier; with Mailshift's own %.2f CPU-s, %v (%.0f msgs/s%s)\n",
		servers.Seconds(), cores, floor.Round(time.Millisecond), rate(floor), vs(floor), both.cpu.Seconds(), withOwn.Round(time.Millisecond), rate(withOwn), vs(withOwn))
}
