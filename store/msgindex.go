package store

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The message index, under mail/:
//
//	mail/
//	  blobs/
//	    <sha256, 32 bytes>        -> Blob (pack u32, offset u64, size u64)
//	  boxes/
//	    <projectID NUL mailboxID>/
//	      folders/
//	        <source folder name>  -> FolderState (UIDVALIDITY, high-water UID, inventory)
//	      msgs/
//	        <source folder name>/
//	          <uidvalidity u32 BE><uid u32 BE> -> MessageRecord
//	      vanished/
//	        <source folder name>/
//	          <uidvalidity u32 BE><uid u32 BE> -> reason
//	      aside/
//	        <folder NUL old uidvalidity>/ -> the old UID map, kept when UIDVALIDITY changed

var (
	bucketBlobs    = []byte("blobs")
	bucketBoxes    = []byte("boxes")
	bucketFolders  = []byte("folders")
	bucketMsgs     = []byte("msgs")
	bucketVanished = []byte("vanished")
	bucketAside    = []byte("aside")
)

// BoxKey names one mailbox of one project in the message index.
type BoxKey struct{ ProjectID, MailboxID string }

func (k BoxKey) bytes() []byte { return []byte(k.ProjectID + "\x00" + k.MailboxID) }

// FolderState is what the engine remembers of a source folder.
type FolderState struct {
	Name          string    `json:"name"`
	UIDValidity   uint32    `json:"uidvalidity"`
	HighWater     uint32    `json:"high_water"` // every UID below it has been dealt with
	HighestModSeq uint64    `json:"highest_modseq,omitempty"`
	Inventory     Inventory `json:"inventory"` // the source as seen at the last pull
	PulledAt      time.Time `json:"pulled_at"`
	SpecialUse    string    `json:"special_use,omitempty"`
	// RematchPending: UIDVALIDITY changed and the old map, kept aside, is
	// still being matched to the new UIDs by content.
	RematchPending bool `json:"rematch_pending,omitempty"`
}

// Inventory is a folder's counts on the source.
type Inventory struct {
	Messages    int    `json:"messages"`
	Bytes       int64  `json:"bytes"`
	Largest     int64  `json:"largest"`
	UIDNext     uint32 `json:"uidnext"`
	UIDValidity uint32 `json:"uidvalidity"`
}

// MessageRecord is one stored message of a source folder.
type MessageRecord struct {
	UIDValidity  uint32    `json:"-"`
	UID          uint32    `json:"-"`
	Hash         Hash      `json:"-"`
	HashHex      string    `json:"h"`
	Size         int64     `json:"s"`
	InternalDate time.Time `json:"d"`
	Flags        []string  `json:"f,omitempty"`
	MessageID    string    `json:"m,omitempty"`
}

func msgKey(uv, uid uint32) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint32(k, uv)
	binary.BigEndian.PutUint32(k[4:], uid)
	return k
}

func (m *MessageRecord) encode() ([]byte, error) {
	m.HashHex = hex.EncodeToString(m.Hash[:])
	return encode(m)
}

func decodeRecord(k, v []byte) (MessageRecord, error) {
	var m MessageRecord
	if err := decode(v, &m); err != nil {
		return m, err
	}
	b, err := hex.DecodeString(m.HashHex)
	if err != nil || len(b) != 32 {
		return m, errors.New("damaged message record")
	}
	copy(m.Hash[:], b)
	m.UIDValidity, m.UID = binary.BigEndian.Uint32(k), binary.BigEndian.Uint32(k[4:])
	return m, nil
}

// box returns (creating when create) a mailbox's index bucket.
func box(tx *bolt.Tx, k BoxKey, create bool) (*bolt.Bucket, error) {
	mail := tx.Bucket(bucketMail)
	if !create {
		boxes := mail.Bucket(bucketBoxes)
		if boxes == nil {
			return nil, nil
		}
		return boxes.Bucket(k.bytes()), nil
	}
	boxes, err := mail.CreateBucketIfNotExists(bucketBoxes)
	if err != nil {
		return nil, err
	}
	b, err := boxes.CreateBucketIfNotExists(k.bytes())
	if err != nil {
		return nil, err
	}
	for _, sub := range [][]byte{bucketFolders, bucketMsgs, bucketVanished, bucketAside} {
		if _, err := b.CreateBucketIfNotExists(sub); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// PulledBatch is one group commit: messages whose bytes are durable in
// packs, the folder's new state, and UIDs that vanished.
type PulledBatch struct {
	Box      BoxKey
	Folder   FolderState
	Messages []MessageRecord
	Blobs    map[Hash]Blob
	Vanished map[uint32]string // uid -> reason
}

// CommitPulled indexes a batch and advances the folder's state in one
// transaction, so a crash repeats at most the batch, and the content hash
// turns the repeat into a skip. Afterwards the index pages the commit
// touched are released from the resident set (dropIndexPages), so a pull's
// memory does not grow with the number of messages indexed.
func (db *DB) CommitPulled(b PulledBatch) error {
	err := db.commitPulled(b)
	db.dropIndexPages()
	return err
}

// CommitPulledAll indexes several batches (of any folders) in one
// transaction, in order: one fsync of the index for all of them, which is
// how a pull on several connections keeps up with the server. It is all
// or nothing.
func (db *DB) CommitPulledAll(bs []PulledBatch) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, b := range bs {
			if err := commitPulledTx(tx, b); err != nil {
				return err
			}
		}
		return nil
	})
	db.dropIndexPages()
	return err
}

func (db *DB) commitPulled(b PulledBatch) error {
	return db.bolt.Update(func(tx *bolt.Tx) error { return commitPulledTx(tx, b) })
}

func commitPulledTx(tx *bolt.Tx, b PulledBatch) error {
	bb, err := box(tx, b.Box, true)
	if err != nil {
		return err
	}
	blobs, err := tx.Bucket(bucketMail).CreateBucketIfNotExists(bucketBlobs)
	if err != nil {
		return err
	}
	for h, bl := range b.Blobs {
		if blobs.Get(h[:]) == nil {
			if err := blobs.Put(append([]byte(nil), h[:]...), bl.encode()); err != nil {
				return err
			}
		}
	}
	msgs, err := bb.Bucket(bucketMsgs).CreateBucketIfNotExists([]byte(b.Folder.Name))
	if err != nil {
		return err
	}
	for i := range b.Messages {
		m := &b.Messages[i]
		if blobs.Get(m.Hash[:]) == nil {
			return fmt.Errorf("message uid %d has no stored bytes", m.UID)
		}
		v, err := m.encode()
		if err != nil {
			return err
		}
		if err := msgs.Put(msgKey(m.UIDValidity, m.UID), v); err != nil {
			return err
		}
	}
	if len(b.Vanished) > 0 {
		vb, err := bb.Bucket(bucketVanished).CreateBucketIfNotExists([]byte(b.Folder.Name))
		if err != nil {
			return err
		}
		for uid, why := range b.Vanished {
			if err := vb.Put(msgKey(b.Folder.UIDValidity, uid), []byte(why)); err != nil {
				return err
			}
		}
	}
	return putJSON(bb.Bucket(bucketFolders), []byte(b.Folder.Name), b.Folder)
}

// HasBlob reports whether bytes with this hash are stored.
func (db *DB) HasBlob(h Hash) (Blob, bool) {
	var bl Blob
	var ok bool
	db.bolt.View(func(tx *bolt.Tx) error {
		blobs := tx.Bucket(bucketMail).Bucket(bucketBlobs)
		if blobs == nil {
			return nil
		}
		if v := blobs.Get(h[:]); v != nil {
			bl, _ = decodeBlob(v)
			ok = true
		}
		return nil
	})
	return bl, ok
}

// OpenMessage returns a stored message's bytes by hash.
func (db *DB) OpenMessage(h Hash) (io.ReadCloser, error) {
	bl, ok := db.HasBlob(h)
	if !ok {
		return nil, fmt.Errorf("message %s: %w", h, ErrNotFound)
	}
	return db.OpenBlob(bl)
}

// FolderStates returns the remembered state of every folder of a mailbox.
func (db *DB) FolderStates(k BoxKey) (map[string]FolderState, error) {
	out := map[string]FolderState{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		return bb.Bucket(bucketFolders).ForEach(func(name, v []byte) error {
			var st FolderState
			if err := decode(v, &st); err != nil {
				return fmt.Errorf("folder %s: %w", name, err)
			}
			out[string(name)] = st
			return nil
		})
	})
	return out, err
}

// SaveFolderState stores a folder's state alone (a no-change delta, an
// inventory refresh).
func (db *DB) SaveFolderState(k BoxKey, st FolderState) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, true)
		if err != nil {
			return err
		}
		return putJSON(bb.Bucket(bucketFolders), []byte(st.Name), st)
	})
}

// ForEachMessage calls fn for every stored message of a folder under its
// current UIDVALIDITY, in UID order. fn must not write to the store.
func (db *DB) ForEachMessage(k BoxKey, folder string, uidValidity uint32, fn func(MessageRecord) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		mb := bb.Bucket(bucketMsgs).Bucket([]byte(folder))
		if mb == nil {
			return nil
		}
		c := mb.Cursor()
		prefix := msgKey(uidValidity, 0)[:4]
		for key, v := c.Seek(prefix); key != nil && string(key[:4]) == string(prefix); key, v = c.Next() {
			m, err := decodeRecord(key, v)
			if err != nil {
				return fmt.Errorf("folder %s: %w", folder, err)
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// ForEachMessageIn is ForEachMessage over the UIDs from..to (inclusive)
// only, so a caller can walk a large folder window by window.
func (db *DB) ForEachMessageIn(k BoxKey, folder string, uidValidity, from, to uint32, fn func(MessageRecord) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		mb := bb.Bucket(bucketMsgs).Bucket([]byte(folder))
		if mb == nil {
			return nil
		}
		c := mb.Cursor()
		for key, v := c.Seek(msgKey(uidValidity, from)); key != nil && binary.BigEndian.Uint32(key) == uidValidity &&
			binary.BigEndian.Uint32(key[4:]) <= to; key, v = c.Next() {
			m, err := decodeRecord(key, v)
			if err != nil {
				return fmt.Errorf("folder %s: %w", folder, err)
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateFlags replaces stored flags of messages (flag changes picked up by a delta).
func (db *DB) UpdateFlags(k BoxKey, folder string, uidValidity uint32, flags map[uint32][]string) error {
	if len(flags) == 0 {
		return nil
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		mb := bb.Bucket(bucketMsgs).Bucket([]byte(folder))
		if mb == nil {
			return nil
		}
		for uid, fl := range flags {
			key := msgKey(uidValidity, uid)
			v := mb.Get(key)
			if v == nil {
				continue
			}
			m, err := decodeRecord(key, v)
			if err != nil {
				return err
			}
			m.Flags = fl
			nv, err := m.encode()
			if err != nil {
				return err
			}
			if err := mb.Put(key, nv); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetAside keeps a folder's records under an old UIDVALIDITY apart (never
// deleted) and returns them so the engine can re-match them by content.
func (db *DB) SetAside(k BoxKey, folder string, oldUV uint32) ([]MessageRecord, error) {
	var out []MessageRecord
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, true)
		if err != nil {
			return err
		}
		mb := bb.Bucket(bucketMsgs).Bucket([]byte(folder))
		if mb == nil {
			return nil
		}
		aside, err := bb.Bucket(bucketAside).CreateBucketIfNotExists([]byte(fmt.Sprintf("%s\x00%d", folder, oldUV)))
		if err != nil {
			return err
		}
		prefix := msgKey(oldUV, 0)[:4]
		c := mb.Cursor()
		var keys [][]byte
		for key, v := c.Seek(prefix); key != nil && string(key[:4]) == string(prefix); key, v = c.Next() {
			m, err := decodeRecord(key, v)
			if err != nil {
				return err
			}
			out = append(out, m)
			if err := aside.Put(append([]byte(nil), key...), append([]byte(nil), v...)); err != nil {
				return err
			}
			keys = append(keys, append([]byte(nil), key...))
		}
		for _, key := range keys {
			if err := mb.Delete(key); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// MarshalJSON lets a Hash print as hex in reports.
func (h Hash) MarshalJSON() ([]byte, error) { return json.Marshal(h.String()) }

// StoredUIDsFrom returns the UIDs at or above from that are stored for a
// folder under uidValidity (the few a crashed run stored past the high-water
// mark, so a resume skips them).
func (db *DB) StoredUIDsFrom(k BoxKey, folder string, uidValidity, from uint32) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		mb := bb.Bucket(bucketMsgs).Bucket([]byte(folder))
		if mb == nil {
			return nil
		}
		c := mb.Cursor()
		for key, _ := c.Seek(msgKey(uidValidity, from)); key != nil && binary.BigEndian.Uint32(key) == uidValidity; key, _ = c.Next() {
			out[binary.BigEndian.Uint32(key[4:])] = true
		}
		return nil
	})
	return out, err
}

// Boxes lists the mailboxes of a project that have a message index.
func (db *DB) Boxes(projectID string) ([]BoxKey, error) {
	var out []BoxKey
	err := db.bolt.View(func(tx *bolt.Tx) error {
		boxes := tx.Bucket(bucketMail).Bucket(bucketBoxes)
		if boxes == nil {
			return nil
		}
		prefix := []byte(projectID + "\x00")
		c := boxes.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			out = append(out, BoxKey{ProjectID: projectID, MailboxID: string(k[len(prefix):])})
		}
		return nil
	})
	return out, err
}

// VanishedCount is how many UIDs of a folder were recorded as vanished.
func (db *DB) VanishedCount(k BoxKey, folder string, uidValidity uint32) int {
	n := 0
	db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		vb := bb.Bucket(bucketVanished).Bucket([]byte(folder))
		if vb == nil {
			return nil
		}
		prefix := msgKey(uidValidity, 0)[:4]
		c := vb.Cursor()
		for key, _ := c.Seek(prefix); key != nil && string(key[:4]) == string(prefix); key, _ = c.Next() {
			n++
		}
		return nil
	})
	return n
}

// AsideRecords returns every record kept aside for a folder (from all
// earlier UIDVALIDITY values), for re-matching by content.
func (db *DB) AsideRecords(k BoxKey, folder string) ([]MessageRecord, error) {
	var out []MessageRecord
	err := db.bolt.View(func(tx *bolt.Tx) error {
		bb, err := box(tx, k, false)
		if err != nil || bb == nil {
			return err
		}
		ab := bb.Bucket(bucketAside)
		prefix := []byte(folder + "\x00")
		c := ab.Cursor()
		for name, _ := c.Seek(prefix); name != nil && len(name) > len(prefix) && string(name[:len(prefix)]) == string(prefix); name, _ = c.Next() {
			if err := ab.Bucket(name).ForEach(func(key, v []byte) error {
				m, err := decodeRecord(key, v)
				if err == nil {
					out = append(out, m)
				}
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
