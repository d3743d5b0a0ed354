// Command vulngate runs govulncheck over the module, offline, and fails on
// any known vulnerability that the code reaches (RELIABILITY.md asks for
// govulncheck clean), except those of the Go standard library, which it
// lists: their fix is a newer Go toolchain, the one thing a commit here
// cannot bring (see README, "Tests").
//
// The database is the golang.org/x/vulndb module at a pinned version: its
// data/osv folder is the Go vulnerability database as OSV files, which
// govulncheck reads from a file:// source. Nothing reaches the internet
// beyond the Go module proxy every build uses; bump vulnDB to check against
// newer advisories.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

const (
	vulnDB      = "golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018"
	govulncheck = "golang.org/x/vuln/cmd/govulncheck@v1.9.0"
)

type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module, Version, Package, Function string
		} `json:"trace"`
	} `json:"finding"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(1)
	}
}

func run() error {
	db, err := download()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "run", govulncheck, "-db", "file://"+filepath.ToSlash(filepath.Join(db, "data", "osv")), "-format", "json", "./...")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	summaries := map[string]string{}
	reached := map[string]string{} // OSV id -> "module@version (fixed in ...)", for findings the code calls
	stdlib := map[string]bool{}
	dec := json.NewDecoder(bufio.NewReader(out))
	for {
		var m message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("read govulncheck's report: %w", err)
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // not reached from our code (only imported or required)
		}
		top := f.Trace[0]
		reached[f.OSV] = fmt.Sprintf("%s@%s, fixed in %s", top.Module, top.Version, f.FixedVersion)
		stdlib[f.OSV] = top.Module == "stdlib"
	}
	// Exit status 3 means "vulnerabilities found": judged below.
	if err := cmd.Wait(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			return fmt.Errorf("govulncheck: %w", err)
		}
	}
	var fail, toolchain []string
	for id, where := range reached {
		line := fmt.Sprintf("  %s %s (%s)", id, summaries[id], where)
		if stdlib[id] {
			toolchain = append(toolchain, line)
		} else {
			fail = append(fail, line)
		}
	}
	sort.Strings(fail)
	sort.Strings(toolchain)
	if len(toolchain) > 0 {
		fmt.Printf("vulncheck: %d advisories of the Go standard library reach this code; they are fixed by building with a newer Go:\n%s\n", len(toolchain), strings.Join(toolchain, "\n"))
	}
	if len(fail) > 0 {
		return fmt.Errorf("%d known vulnerabilities of dependencies reach this code: upgrade them (go get MODULE@FIXED, go mod tidy):\n%s", len(fail), strings.Join(fail, "\n"))
	}
	fmt.Printf("vulncheck: no known vulnerability of a dependency reaches this code (database %s)\n", vulnDB)
	return nil
}

// download fetches the pinned database module (from outside this module,
// so that go.mod and go.sum stay as they are) and returns its folder.
func download() (string, error) {
	tmp, err := os.MkdirTemp("", "vulngate")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", vulnDB)
	cmd.Dir = tmp
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("download the vulnerability database %s: %w", vulnDB, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("download the vulnerability database %s: no folder in %q", vulnDB, out)
	}
	return mod.Dir, nil
}
