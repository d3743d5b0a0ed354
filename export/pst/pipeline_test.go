package pst

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"mailshift/export/internal/corpus"
)

// pipelineInput is every kind of message the mapper knows, in several
// folders: the demo mailbox (charsets, HTML, inline images, a forwarded
// message), broken MIME (kept raw, with warnings), embedded messages
// nested in each other, bulk folders, a 6 MB and a 2 MB message, both
// spooled to disk, too big for a worker and so streamed by the caller's
// goroutine between pipelined ones.
func pipelineInput() []*corpus.Mailbox {
	return []*corpus.Mailbox{corpus.Demo(), corpus.Bulk("Inbox/Bulk", 150, 4000, 3), corpus.Broken("Broken"),
		corpus.LargeAttachment("Artwork", 5<<20, 1<<20), embeddedMailbox(), corpus.Bulk("Archive", 80, 9000, 4),
		corpus.LargeAttachment("Artwork", 1<<20, 1<<20), corpus.Bulk("Archive", 30, 5000, 5)}
}

// writeWith writes pipelineInput with the given worker count, a fixed
// random source and a small MaxSize (so the series splits), and returns
// the files' bytes, what OnWritten reported and the warnings.
func writeWith(t *testing.T, workers int, hold, noTakeBack bool) ([][]byte, []Written, []Warning) {
	t.Helper()
	var written []Written
	opts := Options{Workers: workers, MaxSize: 3_000_000, random: rand.NewChaCha8([32]byte{7}), holdWorkers: hold,
		neverTakeBack: noTakeBack,
		OnWritten:     func(w Written) { written = append(written, w) }}
	files, warns := writeMailboxes(t, filepath.Join(t.TempDir(), "out.pst"), opts, pipelineInput()...)
	var data [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b)
	}
	return data, written, warns
}

// TestPipelinedFilesEqualSequential writes the same messages with no
// workers (every message mapped and streamed inside AddMessage, the
// sequential path), with 1 and 3 workers, with workers that never start
// (every message handed out is taken back and mapped by the writer when it
// drains) and with 4 workers the writer always waits for (every message up
// to 1 MiB mapped by a worker): the split series has the same
// files, byte for byte, each clean for the strict checker (writeMailboxes
// checks them); OnWritten reports every message once, in the order added,
// with the same file and index; and the warnings are the same, in order.
func TestPipelinedFilesEqualSequential(t *testing.T) {
	var inOrder []string
	for _, mb := range pipelineInput() {
		for _, m := range mb.Messages {
			inOrder = append(inOrder, m.Folder)
		}
	}
	seq, seqWritten, seqWarns := writeWith(t, -1, false, false)
	if len(seq) < 3 {
		t.Fatalf("want a split series of 3 files or more, got %d", len(seq))
	}
	if len(seqWritten) != len(inOrder) {
		t.Fatalf("OnWritten reported %d messages, %d were added", len(seqWritten), len(inOrder))
	}
	for i := 1; i < len(seqWritten); i++ {
		a, b := seqWritten[i-1], seqWritten[i]
		if a.File == b.File && b.Index != a.Index+1 || a.File != b.File && b.Index != 0 {
			t.Fatalf("written %d: %+v after %+v", i, b, a)
		}
	}
	if len(seqWarns) < 5 {
		t.Fatalf("want the broken messages' warnings, got %v", seqWarns)
	}
	for _, workers := range []int{1, 3, 2, 4} {
		hold := workers == 2       // no worker runs: the writer takes every message back
		noTakeBack := workers == 4 // workers map every message up to 1 MiB
		files, written, warns := writeWith(t, workers, hold, noTakeBack)
		if len(files) != len(seq) {
			t.Fatalf("%d workers: %d files, sequential %d", workers, len(files), len(seq))
		}
		for i := range files {
			if !bytes.Equal(files[i], seq[i]) {
				t.Errorf("%d workers: file %d differs from the sequential one (%d vs %d bytes, first difference at %d)",
					workers, i+1, len(files[i]), len(seq[i]), firstDiff(files[i], seq[i]))
			}
		}
		if !slices.EqualFunc(written, seqWritten, func(a, b Written) bool {
			return a.Folder == b.Folder && filepath.Base(a.File) == filepath.Base(b.File) && a.Index == b.Index
		}) {
			t.Errorf("%d workers: OnWritten differs from the sequential run", workers)
		}
		if len(warns) != len(seqWarns) {
			t.Fatalf("%d workers: %d warnings, sequential %d", workers, len(warns), len(seqWarns))
		}
		for i := range warns {
			if warns[i].Subject != seqWarns[i].Subject || warns[i].Problem != seqWarns[i].Problem || warns[i].FolderID != seqWarns[i].FolderID {
				t.Errorf("%d workers: warning %d is %+v, sequential %+v", workers, i, warns[i], seqWarns[i])
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestPipelineCancelAndAbort cancels a pipelined run after 40 messages
// (more are in flight): AddMessage returns the context's error; after Abort
// the folder holds only the .partial file (no spool or spill files), and
// none of the Writer's goroutines (workers, file writer) is left.
func TestPipelineCancelAndAbort(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "out.pst"), Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	inbox, _ := w.AddFolder(Top, "Inbox")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msgs := corpus.Bulk("Inbox", 60, 3000, 9).Messages
	for i, m := range msgs {
		if i == 40 {
			cancel()
		}
		err = w.AddMessage(ctx, inbox, bytes.NewReader(m.Raw), MessageMeta{})
		if i < 40 && err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if i >= 40 && !errors.Is(err, context.Canceled) {
			t.Fatalf("message %d after cancel: %v, want context.Canceled", i, err)
		}
	}
	if len(w.pipe.window) == 0 || w.pipe.wake == nil {
		t.Fatal("want messages in flight and workers running before Abort")
	}
	w.Abort()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"out.pst.partial"}) {
		t.Errorf("left behind: %v, want only out.pst.partial", names)
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, fn := range []string{"pst.(*pipeline).work", "pst.(*asyncWriter).loop"} {
		if strings.Contains(stacks, fn) {
			t.Errorf("%s still running after Abort", fn)
		}
	}
	if err := w.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
}

// TestMapPanicBecomesError: a panic while mapping (here scratch buffers
// that are missing) comes back as the message's error, so a worker's panic
// fails the Writer instead of the program.
func TestMapPanicBecomesError(t *testing.T) {
	src := &spooled{mem: []byte("Subject: x\r\n\r\nbody\r\n"), size: 20}
	prep := mapPrepared(&valueStore{}, src, &scratch{}, "")
	if prep.err == nil || !strings.Contains(prep.err.Error(), "mapping a message failed") {
		t.Fatalf("err %v, want the panic as an error", prep.err)
	}
}
