package pst

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailshift/export/internal/corpus"
)

// benchCorpus writes the 10,000-message corpus (about 300 MB, a quarter of
// the messages with an attachment) to one file and returns the file and
// each message's offset and length; messages are generated one at a time.
func benchCorpus(b *testing.B) (*os.File, [][2]int64, []corpus.Message) {
	b.Helper()
	f, err := os.Create(filepath.Join(b.TempDir(), "corpus.bin"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var idx [][2]int64
	var metas []corpus.Message
	var off int64
	corpus.BulkEach("Inbox", 10000, 30000, 42, func(m corpus.Message) {
		w.Write(m.Raw)
		idx = append(idx, [2]int64{off, int64(len(m.Raw))})
		off += int64(len(m.Raw))
		m.Raw = nil
		metas = append(metas, m)
	})
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return f, idx, metas
}

// peakRSS returns VmHWM in bytes; resetPeakRSS restarts it (Linux).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkPSTExport exports a generated 10,000-message mailbox (~300 MB)
// to a PST and, in the same run, copies the same message bytes to a file
// (sequential writes plus one fsync: the physical bound). It reports the
// PST writer's MB/s of input, the copy's MB/s, their ratio and the peak
// RSS during the PST export (VmHWM after resetting it, so the corpus
// generation does not count). The written PST is checked once.
func BenchmarkPSTExport(b *testing.B) {
	src, idx, metas := benchCorpus(b)
	defer src.Close()
	var total int64
	for _, e := range idx {
		total += e[1]
	}
	dir := b.TempDir()
	var copyDur, pstDur time.Duration
	var rss, outBytes int64
	b.SetBytes(total)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		// The bound: the same bytes, read and written once, then synced.
		start := time.Now()
		dst, err := os.Create(filepath.Join(dir, "copy.bin"))
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(dst, 1<<20)
		for _, e := range idx {
			if _, err := io.Copy(bw, io.NewSectionReader(src, e[0], e[1])); err != nil {
				b.Fatal(err)
			}
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		dst.Sync()
		dst.Close()
		copyDur += time.Since(start)
		os.Remove(dst.Name())

		resetPeakRSS()
		start = time.Now()
		path := filepath.Join(dir, "bench.pst")
		w, err := Create(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		inbox, _ := w.AddFolder(Top, "Inbox")
		for i, e := range idx {
			meta := MessageMeta{Flags: metas[i].Flags, InternalDate: metas[i].Date}
			if err := w.AddMessage(context.Background(), inbox, io.NewSectionReader(src, e[0], e[1]), meta); err != nil {
				b.Fatal(err)
			}
		}
		addDur := time.Since(start)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		pstDur += time.Since(start)
		if st, err := os.Stat(path); err == nil {
			outBytes = st.Size()
		}
		b.Logf("adding %v, close (tables, B-trees, maps, fsync) %v, PST %d bytes", addDur, time.Since(start)-addDur, outBytes)
		rss = max(rss, peakRSS())
		if n == 0 {
			b.StopTimer()
			if ps, err := Check(path); err != nil || len(ps) != 0 {
				b.Fatalf("checker: %v %v", err, ps)
			}
			b.StartTimer()
		}
		os.Remove(path)
	}
	mb := float64(total) / 1e6 * float64(b.N)
	b.ReportMetric(mb/pstDur.Seconds(), "pst-MB/s")
	b.ReportMetric(mb/copyDur.Seconds(), "copy-MB/s")
	b.ReportMetric(copyDur.Seconds()/pstDur.Seconds(), "pst/copy")
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(len(idx)), "msgs")
	b.ReportMetric(float64(outBytes)/1e6, "pst-file-MB")
	_ = bytes.MinRead
}
