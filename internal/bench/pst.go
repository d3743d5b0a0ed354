package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// pstEntry locates one corpus message in the corpus file of the PST
// benchmark (messages one after another, in folder order per chunk).
type pstEntry struct {
	Folder string    `json:"f"`
	Off    int64     `json:"o"`
	Len    int64     `json:"l"`
	Flags  []string  `json:"fl,omitempty"`
	Date   time.Time `json:"d"`
}

// pstCorpus is a corpus written to disk for the PST benchmark.
type pstCorpus struct {
	file, index string
	msgs        int
	bytes       int64
}

// writePSTCorpus generates the n-message bench corpus (the same generator
// as the pull benchmark) into dir/corpus-<n>.bin, in chunks so memory stays
// bounded, plus an index the export child reads: one JSON entry a line, so
// that it is read one entry at a time (an index held whole in the child
// grows its heap with the message count and hides whether the exporter's
// own memory is flat).
func writePSTCorpus(dir string, n int) (pstCorpus, error) {
	c := pstCorpus{file: filepath.Join(dir, fmt.Sprintf("corpus-%d.bin", n)), index: filepath.Join(dir, fmt.Sprintf("corpus-%d.jsonl", n))}
	f, err := os.Create(c.file)
	if err != nil {
		return c, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	xf, err := os.OpenFile(c.index, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return c, err
	}
	defer xf.Close()
	xw := bufio.NewWriterSize(xf, 256<<10)
	enc := json.NewEncoder(xw)
	const chunk = 2000
	for start := 0; start < n; start += chunk {
		part := corpusRange(n, start, min(start+chunk, n))
		for _, bf := range benchFolders {
			for _, m := range part[bf.name] {
				e := pstEntry{Folder: bf.name, Off: c.bytes, Len: int64(len(m.Raw)), Date: m.Date}
				for _, fl := range m.Flags {
					e.Flags = append(e.Flags, string(fl))
				}
				if _, err := w.Write(m.Raw); err != nil {
					return c, fmt.Errorf("write corpus: %w", err)
				}
				if err := enc.Encode(e); err != nil {
					return c, fmt.Errorf("write corpus index: %w", err)
				}
				c.bytes += e.Len
				c.msgs++
			}
		}
	}
	if err := w.Flush(); err != nil {
		return c, fmt.Errorf("write corpus: %w", err)
	}
	if err := xw.Flush(); err != nil {
		return c, fmt.Errorf("write corpus index: %w", err)
	}
	return c, xf.Close()
}

// copyBound reads every message of the corpus file and writes the same
// bytes to out, then fsyncs: what it costs just to put the input on disk.
func copyBound(c pstCorpus, out string) (row, error) {
	r := row{name: "copy the same bytes + fsync (bound)"}
	src, err := os.Open(c.file)
	if err != nil {
		return r, err
	}
	defer src.Close()
	start := time.Now()
	dst, err := os.Create(out)
	if err != nil {
		return r, err
	}
	defer os.Remove(out)
	defer dst.Close()
	bw := bufio.NewWriterSize(dst, 1<<20)
	err = eachPSTEntry(c.index, func(e pstEntry) error {
		n, err := io.Copy(bw, io.NewSectionReader(src, e.Off, e.Len))
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		r.bytes += n
		r.messages++
		return nil
	})
	if err != nil {
		return r, err
	}
	if err := bw.Flush(); err != nil {
		return r, fmt.Errorf("copy: %w", err)
	}
	if err := dst.Sync(); err != nil {
		return r, fmt.Errorf("copy: %w", err)
	}
	r.wall = time.Since(start)
	return r, nil
}

// eachPSTEntry calls fn for every entry of a corpus index, in order,
// holding one entry at a time; it stops at fn's first error.
func eachPSTEntry(path string, fn func(pstEntry) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	for {
		var e pstEntry
		if err := dec.Decode(&e); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// pstChildResult is what the export child prints as JSON.
type pstChildResult struct {
	Messages int
	Bytes    int64
	Elapsed  int64 // ns from Create to Close (fsync included)
	CloseNs  int64 // ns of Close alone (messages still in flight, tables, B-trees, maps, fsync)
	PeakKB   int64 // VmHWM of the child itself
	// LiveKB is the Go heap in use after a GC once every message is
	// written, before Close: what the exporter retains, without the
	// garbage collector's headroom that peak RSS also counts.
	LiveKB   int64
	PSTBytes int64
	Err      string
}

// runPSTChild exports a corpus in a child process (so its peak RSS is its
// own, not this process's) and returns its row and what it reported.
func runPSTChild(c pstCorpus, out string) (row, pstChildResult, error) {
	cmd := exec.Command(os.Args[0], "-pst-child", c.file, "-pst-index", c.index, "-pst-out", out)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return row{}, pstChildResult{}, fmt.Errorf("pst child: %v: %s", err, stdout.String())
	}
	wall := time.Since(start)
	var res pstChildResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return row{}, pstChildResult{}, fmt.Errorf("pst child said %q", stdout.String())
	}
	if res.Err != "" {
		return row{}, pstChildResult{}, fmt.Errorf("pst export: %s", res.Err)
	}
	r := row{name: fmt.Sprintf("Mailshift PST export (%d msgs)", res.Messages), messages: res.Messages, bytes: res.Bytes,
		wall: time.Duration(res.Elapsed), rssKB: res.PeakKB,
		note: fmt.Sprintf("PST %.0f MB; Close %v; process wall %v, CPU %v user + %v sys", float64(res.PSTBytes)/1e6,
			time.Duration(res.CloseNs).Round(time.Millisecond), wall.Round(time.Millisecond),
			cmd.ProcessState.UserTime().Round(time.Millisecond), cmd.ProcessState.SystemTime().Round(time.Millisecond))}
	return r, res, nil
}
