package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

func TestPackWriteIndexReadAndCheck(t *testing.T) {
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
	batch := PulledBatch{Box: box, Folder: FolderState{Name: "INBOX", UIDValidity: 7, HighWater: 4}, Blobs: map[Hash]Blob{}}
	bodies := map[uint32][]byte{}
	for uid := uint32(1); uid <= 3; uid++ {
		body := []byte(fmt.Sprintf("Subject: %d\r\n\r\nbody %d\r\n", uid, uid))
		bodies[uid] = body
		rec, h, bl := appendMsg(t, pw, uid, body)
		rec.Flags = []string{`\Seen`}
		batch.Blobs[h] = bl
		batch.Messages = append(batch.Messages, rec)
	}
	// A short read never becomes a record.
	if _, _, err := pw.Append(strings.NewReader("short"), 99); err == nil {
		t.Fatal("short message accepted")
	}
	if err := pw.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := db.CommitPulled(batch); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	bad := PulledBatch{Box: box, Folder: FolderState{Name: "INBOX", UIDValidity: 7}, Messages: []MessageRecord{{UIDValidity: 7, UID: 9, Hash: Hash{1}}}}
	if err := db.CommitPulled(bad); err == nil {
		t.Fatal("a record without bytes was indexed")
	}
	db.Close()

	db, _ = Open(dir, Options{})
	defer db.Close()
	var got []MessageRecord
	db.ForEachMessage(box, "INBOX", 7, func(m MessageRecord) error { got = append(got, m); return nil })
	if len(got) != 3 {
		t.Fatalf("%d records", len(got))
	}
	for _, m := range got {
		rc, err := db.OpenMessage(m.Hash)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, bodies[m.UID]) {
			t.Fatalf("uid %d reads back %q", m.UID, b)
		}
	}
	res, err := db.Check(context.Background(), nil)
	if err != nil || len(res.Problems) != 0 || res.Records != 3 || res.Blobs != 3 {
		t.Fatalf("check: %+v %v", res, err)
	}
	// Flip a byte of a stored message: the check sees it.
	bl, _ := db.HasBlob(got[1].Hash)
	f, _ := os.OpenFile(db.packPath(bl.Pack), os.O_RDWR, 0)
	f.WriteAt([]byte("X"), int64(bl.Offset))
	f.Close()
	res, _ = db.Check(context.Background(), nil)
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].What, "hash mismatch") {
		t.Fatalf("tampering: %+v", res.Problems)
	}
	// UIDVALIDITY change: the old map is kept aside, not lost.
	old, err := db.SetAside(box, "INBOX", 7)
	if err != nil || len(old) != 3 {
		t.Fatalf("aside: %d %v", len(old), err)
	}
	n := 0
	db.ForEachMessage(box, "INBOX", 7, func(MessageRecord) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d records left under the old UIDVALIDITY", n)
	}
}

// Flush hands back the fsync: appending may go on meanwhile, and the
// fsync still works (as a no-op) once the pack was closed, which syncs.
func TestPackFlushThenDurableOverlapsAppends(t *testing.T) {
	db, pw := packWriterIn(t, t.TempDir())
	_, first, _ := pw.Append(strings.NewReader("first message\r\n"), 0)
	durable, err := pw.Flush()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- durable() }()
	_, second, err := pw.Append(strings.NewReader("second message\r\n"), 0)
	if err != nil || <-done != nil {
		t.Fatalf("append during fsync: %v", err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := durable(); err != nil {
		t.Fatalf("durable after close: %v", err)
	}
	for bl, want := range map[Blob]string{first: "first message\r\n", second: "second message\r\n"} {
		rc, err := db.OpenBlob(bl)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != want {
			t.Fatalf("read back %q, want %q", b, want)
		}
	}
}
