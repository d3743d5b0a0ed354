package store

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// The same bytes stored by two connections at once are indexed twice (two
// packs, two generations' entries). Check re-hashes every indexed copy:
// damage to either one is reported, whichever copy a reader is handed.
func TestCheckRehashesEveryIndexedCopy(t *testing.T) {
	defer func(n uint64) { blobGenSize = n }(blobGenSize)
	blobGenSize = 1 // each commit's entry lands in a generation of its own
	body := []byte("Subject: twice\r\n\r\nthe same bytes, stored twice\r\n")
	var copies []Blob
	db := openTemp(t)
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	for i, folder := range []string{"INBOX", "Copy"} {
		pw, err := db.NewPackWriter()
		if err != nil {
			t.Fatal(err)
		}
		h, bl, err := pw.Append(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		if err := pw.Sync(); err != nil {
			t.Fatal(err)
		}
		b := PulledBatch{Box: box, Folder: FolderState{Name: folder, UIDValidity: 7, HighWater: 2}, Blobs: map[Hash]Blob{h: bl},
			Messages: []MessageRecord{{UIDValidity: 7, UID: 1, Hash: h, Size: int64(len(body)), InternalDate: time.Unix(1700000000, 0).UTC()}}}
		if err := db.CommitPulled(b); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		copies = append(copies, bl)
		if i == 1 && copies[0] == copies[1] {
			t.Fatal("premise: the two copies should be at two places")
		}
	}
	res, err := db.Check(context.Background(), nil)
	if err != nil || len(res.Problems) != 0 || res.Records != 2 {
		t.Fatalf("sound store: %+v %v", res, err)
	}
	if res.Blobs != 2 {
		t.Fatalf("premise: both copies are indexed, so both are checked; Check counted %d", res.Blobs)
	}
	for i, bl := range copies {
		f, err := os.OpenFile(db.packPath(bl.Pack), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte("X"), int64(bl.Offset)+3)
		res, _ := db.Check(context.Background(), nil)
		f.WriteAt(body[3:4], int64(bl.Offset)+3)
		f.Close()
		if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].What, "hash mismatch") {
			t.Fatalf("copy %d damaged: problems %+v", i+1, res.Problems)
		}
	}
}
