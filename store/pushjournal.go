package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The push journal (projects/<id>/push/, drawn in buckets.go) records, per
// destination folder, every upload's intent before it is sent and its
// outcome after. A message to push is identified by its content hash and
// its ordinal among equal copies meant for that folder, so byte-identical
// duplicates keep their multiplicity and a source UIDVALIDITY change does
// not make old uploads look new. Created on first write: no migration.
var (
	bucketPush  = []byte("push")
	keyPushMeta = []byte("state") // never 36 bytes long, unlike message keys
)

// PushState is where one upload stands.
type PushState string

const (
	PushIntent PushState = "intent" // recorded before sending; outcome unknown until resolved
	PushDone   PushState = "done"   // on the destination (UID when the server said)
	PushFailed PushState = "failed" // refused by the server or over a limit (Reason, Text)
)

// PushKey names one message meant for a destination folder.
type PushKey struct {
	Hash    Hash
	Ordinal uint32 // which copy of these bytes in the folder: 0, 1, ... (sync numbers them: copyOrdinals)
}

func (k PushKey) bytes() []byte {
	b := make([]byte, 36)
	copy(b, k.Hash[:])
	binary.BigEndian.PutUint32(b[32:], k.Ordinal)
	return b
}

// PushRecord is one upload's journal entry.
type PushRecord struct {
	State       PushState `json:"state"`
	UIDValidity uint32    `json:"uidvalidity"`       // the destination folder's, when recorded
	UIDNext     uint32    `json:"uidnext,omitempty"` // the destination's UIDNEXT before the upload (intent)
	UID         uint32    `json:"uid,omitempty"`     // APPENDUID, or found by search
	Size        int64     `json:"size"`
	MessageID   string    `json:"message_id,omitempty"`
	Reason      string    `json:"reason,omitempty"` // reason code when failed
	Text        string    `json:"text,omitempty"`   // the server's words
	SourceUID   uint32    `json:"source_uid,omitempty"`
	At          time.Time `json:"at"`
	// Flags are the source's flags as last applied to the destination's
	// copy (by its upload or a later flag update), the base against which
	// the source's later changes are found. FlagsKnown is false when they
	// are not known: a record from before they were kept, or a message
	// found on the destination rather than uploaded.
	Flags      []string `json:"flags,omitempty"`
	FlagsKnown bool     `json:"flags_known,omitempty"`
}

// PushFolder is a destination folder's push state.
type PushFolder struct {
	UIDValidity uint32    `json:"uidvalidity"`
	UIDNext     uint32    `json:"uidnext"`  // after the last complete push
	Messages    int       `json:"messages"` // on the destination after it
	Wanted      int       `json:"wanted"`   // messages meant for it then
	Complete    bool      `json:"complete"` // every wanted message done or failed for good
	At          time.Time `json:"at"`
	// LastIntent is when intents were last recorded for the folder
	// (RecordPush keeps it). Later than At, some uploads may have had no
	// answer: a push waits for the server to finish them before it looks.
	LastIntent time.Time `json:"last_intent,omitzero"`
}

func pushFolderBucket(tx *bolt.Tx, projectID, mailboxID, folder string, create bool) (*bolt.Bucket, error) {
	pb, err := projectBucket(tx, projectID)
	if err != nil {
		return nil, err
	}
	if !create {
		b := pb.Bucket(bucketPush)
		if b != nil {
			b = b.Bucket([]byte(MailboxID(mailboxID)))
		}
		if b != nil {
			b = b.Bucket([]byte(folder))
		}
		return b, nil
	}
	b, err := pb.CreateBucketIfNotExists(bucketPush)
	if err == nil {
		b, err = b.CreateBucketIfNotExists([]byte(MailboxID(mailboxID)))
	}
	if err == nil {
		b, err = b.CreateBucketIfNotExists([]byte(folder))
	}
	return b, err
}

// PushJournal returns a destination folder's state and records (empty
// when nothing was pushed there). It holds the whole folder's journal:
// callers that only go through it use ForEachPush.
func (db *DB) PushJournal(projectID, mailboxID, folder string) (PushFolder, map[PushKey]PushRecord, error) {
	recs := map[PushKey]PushRecord{}
	st, err := db.ForEachPush(projectID, mailboxID, folder, func(k PushKey, r PushRecord) error {
		recs[k] = r
		return nil
	})
	return st, recs, err
}

// ForEachPush calls fn for every record of a destination folder's journal,
// in key order, and returns the folder's state: a walk that holds one
// record at a time, whatever the folder's size. fn runs inside a read
// transaction: it must not write to the store. An error from fn ends the
// walk and is returned.
func (db *DB) ForEachPush(projectID, mailboxID, folder string, fn func(PushKey, PushRecord) error) (PushFolder, error) {
	var st PushFolder
	defer db.dropIndexPages() // as ForEachMessageIn does
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b, err := pushFolderBucket(tx, projectID, mailboxID, folder, false)
		if err != nil || b == nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			if string(k) == string(keyPushMeta) {
				return decode(v, &st)
			}
			if len(k) != 36 {
				return fmt.Errorf("push journal of %q: damaged key", folder)
			}
			r, err := decodePushRecord(v)
			if err != nil {
				return fmt.Errorf("push journal of %q: %w", folder, err)
			}
			var pk PushKey
			copy(pk.Hash[:], k[:32])
			pk.Ordinal = binary.BigEndian.Uint32(k[32:])
			return fn(pk, r)
		})
	})
	return st, err
}

// PushFolderState returns a destination folder's state alone (zero when
// nothing was pushed there): what a push needs before it walks its
// folder's records a segment at a time.
func (db *DB) PushFolderState(projectID, mailboxID, folder string) (PushFolder, error) {
	var st PushFolder
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b, err := pushFolderBucket(tx, projectID, mailboxID, folder, false)
		if err != nil || b == nil {
			return err
		}
		if v := b.Get(keyPushMeta); v != nil {
			return decode(v, &st)
		}
		return nil
	})
	return st, err
}

// PushRecords returns the journal records of keys that have one, so a
// push holds the records of the messages it is working on rather than its
// folder's whole journal.
func (db *DB) PushRecords(projectID, mailboxID, folder string, keys []PushKey) (map[PushKey]PushRecord, error) {
	recs := make(map[PushKey]PushRecord, len(keys))
	defer db.dropJournalPages()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b, err := pushFolderBucket(tx, projectID, mailboxID, folder, false)
		if err != nil || b == nil {
			return err
		}
		for _, k := range keys {
			v := b.Get(k.bytes())
			if v == nil {
				continue
			}
			r, err := decodePushRecord(v)
			if err != nil {
				return fmt.Errorf("push journal of %q: %w", folder, err)
			}
			recs[k] = r
		}
		return nil
	})
	return recs, err
}

// RecordPush writes records (and, when st is not nil, the folder's state)
// in one transaction that is durable when it returns: call it with the
// intents before sending, and with the outcomes after. It uses Update,
// never Batch, because it gates uploads.
func (db *DB) RecordPush(projectID, mailboxID, folder string, st *PushFolder, recs map[PushKey]PushRecord) error {
	defer db.dropJournalPages()
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := pushFolderBucket(tx, projectID, mailboxID, folder, true)
		if err != nil {
			return err
		}
		var lastIntent time.Time
		for k, r := range recs {
			if err := b.Put(k.bytes(), r.encode()); err != nil {
				return err
			}
			if r.State == PushIntent && r.At.After(lastIntent) {
				lastIntent = r.At
			}
		}
		if st == nil && lastIntent.IsZero() {
			return nil
		}
		// The folder's state keeps the latest intent time whoever writes
		// it: a worker's intents and another's end of the folder.
		var meta PushFolder
		if v := b.Get(keyPushMeta); v != nil {
			if err := decode(v, &meta); err != nil {
				return err
			}
		}
		lastIntent = latest(lastIntent, meta.LastIntent)
		if st != nil {
			meta = *st
		}
		meta.LastIntent = latest(meta.LastIntent, lastIntent)
		return putJSON(b, keyPushMeta, &meta)
	})
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// journalDropInterval is how often journal commits release the index
// pages they touched (the journal's keys are content hashes, so its
// commits touch pages all over it). Not after every commit, as a pull's
// group commits do: a push commits twice per window of 100 messages, and
// releasing the pages each time made each commit half as dear again
// (a benchmark of 100-record commits: 5.4–7.1 ms against 3.7 ms; once a
// second: 3.6–4.1 ms), refaulting the pages the next commit needs. A
// variable only so tests can release at every commit.
var journalDropInterval = time.Second

func (db *DB) dropJournalPages() {
	now, last := time.Now().UnixNano(), db.journalDropped.Load()
	if now-last < int64(journalDropInterval) || !db.journalDropped.CompareAndSwap(last, now) {
		return
	}
	db.dropIndexPages()
}

// PushedFolders lists the destination folders of a mailbox with a journal.
func (db *DB) PushedFolders(projectID, mailboxID string) ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		b := pb.Bucket(bucketPush)
		if b != nil {
			b = b.Bucket([]byte(MailboxID(mailboxID)))
		}
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error { out = append(out, string(k)); return nil })
	})
	return out, err
}
