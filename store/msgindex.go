package store

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The message index, under mail/:
//
//	mail/
//	  blobgens/                   (schema 2: msgindex_blobs.go)
//	    <generation u32 BE><sha256, 32 bytes> -> Blob (pack u32, offset u64, size u64)
//	  blobs/                      (schema 1, read only since)
//	    <sha256, 32 bytes>        -> Blob
//	  boxes/
//	    <projectID NUL mailboxID>/
//	      listing                 -> SourceListing: the folders the last pull found (msgindex_listing.go)
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

// MessageRecord is one stored message of a source folder. Its stored
// shapes are in msgrecord_codec.go.
type MessageRecord struct {
	UIDValidity  uint32
	UID          uint32
	Hash         Hash
	Size         int64
	InternalDate time.Time
	Flags        []string
	MessageID    string
}

func msgKey(uv, uid uint32) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint32(k, uv)
	binary.BigEndian.PutUint32(k[4:], uid)
	return k
}

// MarshalJSON lets a Hash print as hex in reports.
func (h Hash) MarshalJSON() ([]byte, error) { return json.Marshal(h.String()) }

// box returns (creating when create) a mailbox's index bucket.
// folderRecords is the bucket of a folder's message records, nil when the
// mailbox or the folder has none (nothing is created).
func folderRecords(tx *bolt.Tx, k BoxKey, folder string) *bolt.Bucket {
	bb, _ := box(tx, k, false) // never fails without create
	if bb == nil {
		return nil
	}
	return bb.Bucket(bucketMsgs).Bucket([]byte(folder))
}

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
