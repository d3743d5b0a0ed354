package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// appendMsg appends body to pw and returns its record and blob.
func appendMsg(t *testing.T, pw *PackWriter, uid uint32, body []byte) (MessageRecord, Hash, Blob) {
	t.Helper()
	h, bl, err := pw.Append(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	return MessageRecord{UIDValidity: 7, UID: uid, Hash: h, Size: int64(len(body)), InternalDate: time.Unix(1700000000, 0).UTC()}, h, bl
}

// packWriterIn opens a store in dir (closed with the test) and a writer on
// a fresh pack.
func packWriterIn(t *testing.T, dir string) (*DB, *PackWriter) {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pw, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	return db, pw
}

func packSize(t *testing.T, db *DB, n uint32) int64 {
	t.Helper()
	st, err := os.Stat(db.packPath(n))
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// A run that stops between making bytes durable and indexing them (a
// crash, a cancelled fetch, a failed commit) leaves them at a pack's end.
// The next process's first writer gives that space back, and only that:
// indexed bytes, before and after a gap of unindexed ones, read back whole.
func TestFirstWriterTrimsWhatNoRecordReaches(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	box := BoxKey{"p", "ann@x.test"}
	pw, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[uint32][]byte{}
	batch := PulledBatch{Box: box, Folder: FolderState{Name: "INBOX", UIDValidity: 7, HighWater: 2}, Blobs: map[Hash]Blob{}}
	for uid := uint32(1); uid <= 2; uid++ {
		bodies[uid] = []byte(fmt.Sprintf("Subject: %d\r\n\r\n%s\r\n", uid, strings.Repeat("x", 1000*int(uid))))
		rec, h, bl := appendMsg(t, pw, uid, bodies[uid])
		batch.Messages, batch.Blobs[h] = append(batch.Messages, rec), bl
		if uid == 1 { // a literal cut short between the two: bytes no record reaches, in the middle
			pw.Append(strings.NewReader("Subject: cut"), 4096)
		}
	}
	if err := pw.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := db.CommitPulled(batch); err != nil {
		t.Fatal(err)
	}
	indexedEnd := batch.Blobs[batch.Messages[1].Hash].Offset + uint64(len(bodies[2]))
	// Two more made durable and never indexed: the crash came first.
	appendMsg(t, pw, 3, []byte("Subject: 3\r\n\r\nlost in the crash\r\n"))
	appendMsg(t, pw, 4, bytes.Repeat([]byte("y"), 64<<10))
	durable, err := pw.Flush()
	if err != nil {
		t.Fatal(err)
	}
	if err := durable(); err != nil {
		t.Fatal(err)
	}
	first := pw.pack
	// A second writer's pack holds only unindexed bytes.
	pw2, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	appendMsg(t, pw2, 5, []byte("Subject: 5\r\n\r\nnever indexed\r\n"))
	pw2.Sync()
	second := pw2.pack
	// A third writer had just created its pack.
	pw3, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	third := pw3.pack
	// The process dies: files stay as they are.
	pw.f.Close()
	pw2.f.Close()
	pw3.f.Close()
	db.Close()

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Check(context.Background(), nil)
	if err != nil || len(res.Problems) != 0 {
		t.Fatalf("check before the trim: %+v %v", res, err)
	}
	before := packSize(t, db, first)
	cut := int64(len("Subject: cut"))
	if want := before - int64(indexedEnd) + cut + packSize(t, db, second); res.Unreferenced != want {
		t.Errorf("the check counts %d bytes no message covers, want %d (the cut literal, pack %d's tail and pack %d)", res.Unreferenced, want, first, second)
	}
	if before <= int64(indexedEnd) {
		t.Fatalf("set-up: pack %d is %d bytes, indexed up to %d: no tail to trim", first, before, indexedEnd)
	}
	next, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if got := packSize(t, db, first); got != int64(indexedEnd) {
		t.Errorf("pack %d is %d bytes after the first writer opened (was %d), want %d: the end of its last indexed message", first, got, before, indexedEnd)
	}
	if _, err := os.Stat(db.packPath(second)); !os.IsNotExist(err) {
		t.Errorf("pack %d, which no record reaches, is still there (%v)", second, err)
	}
	if _, err := os.Stat(db.packPath(third)); !os.IsNotExist(err) {
		t.Errorf("empty pack %d is still there (%v)", third, err)
	}
	if next.pack <= third {
		t.Errorf("the new writer took pack %d, not past %d: a number must not come back", next.pack, third)
	}
	for _, m := range batch.Messages {
		rc, err := db.OpenMessage(m.Hash)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, bodies[m.UID]) {
			t.Fatalf("uid %d reads back %d bytes, want its %d", m.UID, len(b), len(bodies[m.UID]))
		}
	}
	res, err = db.Check(context.Background(), nil)
	if err != nil || len(res.Problems) != 0 || res.Records != 2 {
		t.Fatalf("check after the trim: %+v %v", res, err)
	}
	if res.Unreferenced != cut {
		t.Errorf("after the trim the check counts %d bytes no message covers, want %d: the cut literal between two messages, which only a rewrite could give back", res.Unreferenced, cut)
	}
}

// Only the first writer of a DB trims: later ones must leave alone the
// bytes earlier writers of the same process have not indexed yet (their
// commit may be on its way).
func TestLaterWritersLeaveUnindexedBytesAlone(t *testing.T) {
	db := openTemp(t)
	pw, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	appendMsg(t, pw, 1, []byte("Subject: 1\r\n\r\nin flight\r\n"))
	if err := pw.Sync(); err != nil {
		t.Fatal(err)
	}
	size := packSize(t, db, pw.pack)
	pw2, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer pw2.Close()
	if got := packSize(t, db, pw.pack); got != size {
		t.Fatalf("a second writer cut the first one's pack from %d to %d bytes", size, got)
	}
}

// Files that are not packs are never touched, whatever their names.
func TestTrimLeavesOtherFilesAlone(t *testing.T) {
	db := openTemp(t)
	if err := os.MkdirAll(db.packDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	names := []string{"00000001.pack.bak", "0000001.pack", "notes.txt"}
	for _, name := range names {
		if err := os.WriteFile(db.packDir()+"/"+name, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pw, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	for _, name := range names {
		if b, err := os.ReadFile(db.packDir() + "/" + name); err != nil || string(b) != "keep me" {
			t.Errorf("%s: %q %v", name, b, err)
		}
	}
}

// Unappend takes the last message back out of the pack, whether its bytes
// are still buffered or were partly written out (a message over the
// buffer's size), and the next message lands where it began. It refuses
// anything but the last message, and bytes an earlier Flush handed on.
// Earlier finds the first copy of bytes the writer wrote, and not a copy
// taken back.
func TestUnappendTakesTheLastMessageBack(t *testing.T) {
	db, pw := packWriterIn(t, t.TempDir())
	first := []byte("Subject: first\r\n\r\nkept\r\n")
	_, kh, keep := appendMsg(t, pw, 1, first)
	small := []byte("Subject: copy\r\n\r\nsmall\r\n")
	big := bytes.Repeat([]byte("a copy over the write buffer\r\n"), 20000) // 600 kB
	for _, body := range [][]byte{first, small, big} {
		_, h, bl := appendMsg(t, pw, 2, body)
		if e, ok := pw.Earlier(h, bl); ok != (h == kh) || ok && e != keep {
			t.Fatalf("Earlier of a %d-byte message: %v %v", len(body), e, ok)
		}
		if !pw.Unappend(h, bl) {
			t.Fatalf("a %d-byte copy was not taken back", len(body))
		}
		if _, ok := pw.Earlier(h, Blob{}); ok != (h == kh) {
			t.Fatalf("a %d-byte message taken back is still remembered", len(body))
		}
	}
	last := []byte("Subject: last\r\n\r\nafter the copies\r\n")
	_, nh, next := appendMsg(t, pw, 3, last)
	if next.Offset != keep.Offset+keep.Size {
		t.Fatalf("the next message went to offset %d, want %d", next.Offset, keep.Offset+keep.Size)
	}
	if pw.Unappend(kh, keep) {
		t.Fatal("a message that is not the last was taken back")
	}
	// The writer remembers its last recentBlobs messages, no more.
	var hs []Hash
	for i := range recentBlobs + 10 {
		_, h, bl := appendMsg(t, pw, uint32(10+i), fmt.Appendf(nil, "Subject: %d\r\n\r\n", i))
		hs = append(hs, h)
		if i == recentBlobs+5 && !pw.Unappend(h, bl) { // one taken back once the ring is full
			t.Fatal("not taken back")
		}
	}
	for i, h := range hs {
		_, ok := pw.Earlier(h, Blob{})
		// It held first and last before: 2 + len(hs) - 1 taken back were
		// remembered, the oldest 11 forgotten (first, last, hs[0:9]).
		if want := i >= 9 && i != recentBlobs+5; ok != want {
			t.Fatalf("message %d of %d remembered: %v", i, len(hs), ok)
		}
	}
	if _, err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	if pw.Unappend(nh, next) {
		t.Fatal("a message already handed on by Flush was taken back")
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := packSize(t, db, keep.Pack), int64(next.Offset+next.Size); got <= want {
		t.Fatalf("the pack holds %d bytes, want %d", got, want)
	}
	for _, c := range []struct {
		bl   Blob
		want []byte
	}{{keep, first}, {next, last}} {
		r, err := db.OpenBlob(c.bl)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, c.want) {
			t.Fatalf("read back %q, want %q", got, c.want)
		}
	}
}
