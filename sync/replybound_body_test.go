package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// Whole messages fetched through go-imap pass the tap's small default
// bound, because those commands raise it to the message size limit: the
// push's recovery hashes a 20 MB message on a real Dovecot and the
// reconciliation compares it byte for byte, memory staying flat; the
// bound is the default again afterwards; and over the endpoint's own
// message size limit the same fetch is refused, naming the size.
func TestWholeMessagesThroughGoIMAPPassTheReplyBound(t *testing.T) {
	ctx := context.Background()
	d := testenv.StartDovecot(t, styleSlash)
	path := filepath.Join(t.TempDir(), "big.eml")
	want, size := writeBigMessage(t, path, 20<<20)
	date := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := d.LoadMaildir(testenv.DefaultUser, "INBOX", []testenv.Message{{File: path, Date: date}}); err != nil {
		t.Fatal(err)
	}
	db := newStoreWithProfile(t, "p", ProfileGeneric)
	storeFile(t, db, path, size)

	open := func(limit int64) *Conn {
		ep := endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser)
		ep.MaxMessageBytes = limit
		c, err := Dial(ctx, ep)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if err := c.do(ctx, func() error { _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); return err }); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open(0)
	stop := heapPeak()
	sums, err := c.hashDest(ctx, []uint32{1})
	grew := stop()
	if err != nil || sums[1] != want {
		t.Fatalf("hash of the 20 MB message: %v (%x, want %x)", err, sums[1], want)
	}
	if grew > 16<<20 {
		t.Errorf("hashing a %d MB message grew the heap by %d MB", size>>20, grew>>20)
	}
	if c.tap.bound.Load() != replyBound {
		t.Fatal("the message bound outlived hashDest")
	}
	r := &reconcileFolderState{db: db, fm: FolderMap{Source: "INBOX", Dest: "INBOX"}}
	w := wantMsg{Key: store.PushKey{Hash: want}, Rec: store.MessageRecord{UID: 1}}
	var f FolderReconcile
	if err := r.sampleBytes(ctx, c, []wantMsg{w}, map[store.PushKey]uint32{w.Key: 1}, &f); err != nil || f.Sampled != 1 || len(f.Mismatched) != 0 {
		t.Fatalf("the byte-for-byte sample: %v, sampled %d, mismatched %+v", err, f.Sampled, f.Mismatched)
	}
	if c.tap.bound.Load() != replyBound {
		t.Fatal("the message bound outlived sampleBytes")
	}

	_, err = open(10<<20).hashDest(ctx, []uint32{1})
	said := fmt.Sprintf("a %d-byte literal in a reply where at most %d bytes are expected (a whole message", size, 10<<20)
	var ce *ConnError
	if err == nil || !strings.Contains(err.Error(), said) || !errors.As(err, &ce) || ce.Kind != KindTooLarge {
		t.Fatalf("over a 10 MB message limit: %v, want it to say %q", err, said)
	}
}

// storeFile puts the message at path into db as UID 1 of INBOX.
func storeFile(t *testing.T, db *store.DB, path string, size int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	storeMessage(t, db, store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}, f, size)
}

// storeMessage puts size bytes of r into db as UID 1 of box's INBOX, as a
// pull would, and returns their hash.
func storeMessage(t *testing.T, db *store.DB, box store.BoxKey, r io.Reader, size int64) store.Hash {
	t.Helper()
	pw, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	h, blob, err := pw.Append(r, size)
	if err == nil {
		err = pw.Sync()
	}
	if err == nil {
		err = db.CommitPulled(store.PulledBatch{Box: box, Folder: store.FolderState{Name: "INBOX", UIDValidity: 1},
			Messages: []store.MessageRecord{{UIDValidity: 1, UID: 1, Hash: h, Size: size}}, Blobs: map[store.Hash]store.Blob{h: blob}})
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}
