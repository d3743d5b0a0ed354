package store

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Migration 2 applied to what schema 1 left: a file whose hash index is the
// single mail/blobs bucket. After the upgrade its messages still open by
// hash and pass the store check, new ones go into generations, and both
// kinds are found.
func TestMigrationV2KeepsSchema1BlobsReadable(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	box := BoxKey{ProjectID: "p", MailboxID: "m"}
	pw, err := db.NewPackWriter()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("Subject: old\r\n\r\nwritten by schema 1\r\n")
	h, bl, err := pw.Append(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	// Rewind the file to schema 1's shape: no generations, the blob in
	// mail/blobs, a record pointing at it, schema version 1.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		mail := tx.Bucket(bucketMail)
		if err := mail.DeleteBucket(bucketBlobGens); err != nil {
			return err
		}
		legacy, err := mail.CreateBucket(bucketBlobs)
		if err != nil {
			return err
		}
		if err := legacy.Put(h[:], bl.encode()); err != nil {
			return err
		}
		rec := PulledBatch{Box: box, Folder: FolderState{Name: "INBOX", UIDValidity: 7, HighWater: 2},
			Messages: []MessageRecord{{UIDValidity: 7, UID: 1, Hash: h, Size: int64(len(body)), InternalDate: time.Unix(1700000000, 0).UTC()}}}
		if err := commitPulledTx(tx, rec, nil); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u32bytes(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("a schema-1 file does not open: %v", err)
	}
	defer db.Close()
	db.bolt.View(func(tx *bolt.Tx) error {
		if v, _ := readSchema(tx, db.path); v != 2 || tx.Bucket(bucketMail).Bucket(bucketBlobGens) == nil {
			t.Errorf("after opening: schema %d, generations bucket %v", v, tx.Bucket(bucketMail).Bucket(bucketBlobGens) != nil)
		}
		return nil
	})
	rc, err := db.OpenMessage(h)
	if err != nil {
		t.Fatalf("the schema-1 message: %v", err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, body) {
		t.Fatalf("the schema-1 message reads %q", got)
	}
	fresh := randomBatch(box, "Sent", 1, 3)
	for _, m := range fresh.Messages { // the check needs real bytes
		pw, _ := db.NewPackWriter()
		b := []byte("Subject: new " + m.MessageID + "\r\n\r\n")
		nh, nbl, err := pw.Append(bytes.NewReader(b), int64(len(b)))
		if err != nil || pw.Close() != nil {
			t.Fatal(err)
		}
		delete(fresh.Blobs, m.Hash)
		fresh.Blobs[nh] = nbl
		fresh.Messages[m.UID-1].Hash = nh
	}
	if err := db.CommitPulled(fresh); err != nil {
		t.Fatal(err)
	}
	for _, m := range fresh.Messages {
		if _, ok := db.HasBlob(m.Hash); !ok {
			t.Fatalf("a message committed after the upgrade is not found")
		}
		if _, _, ok := db.StoredCopy(m.Hash); !ok {
			t.Fatalf("a message committed after the upgrade is not found by StoredCopy")
		}
	}
	if got, _, ok := db.StoredCopy(h); !ok || got != bl {
		t.Fatalf("StoredCopy of the schema-1 message: %v %v, want %v", got, ok, bl)
	}
	res, err := db.Check(context.Background(), nil)
	if err != nil || len(res.Problems) != 0 || res.Records != 4 || res.Blobs != 4 {
		t.Fatalf("check after the upgrade: %+v %v", res, err)
	}
}
