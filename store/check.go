package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// CheckProblem is one thing the store's own check found wrong.
type CheckProblem struct {
	What  string // "missing bytes", "hash mismatch", "dangling record"
	Hash  string
	Where string // mailbox/folder/uid for records
}

// CheckResult summarises a store check.
type CheckResult struct {
	Blobs, Records int
	Bytes          int64
	Problems       []CheckProblem
	// Unreferenced is how many bytes of the packs no indexed copy covers:
	// what an interrupted run left (the next pull's first writer gives
	// back what lies at packs' ends: trimPackTails) and literals cut off
	// mid-message. Not a problem: no message is missing for it.
	Unreferenced int64
}

// Check re-reads every stored message, recomputes its SHA-256 and checks
// that every index record points at stored bytes. It needs no network.
// Every indexed copy is re-hashed: the same bytes may be indexed twice
// (two connections stored them at once, or a batch was repeated after a
// crash), and a reader may be handed either copy, so a damaged one must
// not hide behind a sound one. Blobs counts the copies checked.
// progress, when not nil, is called with the number of blobs checked.
func (db *DB) Check(ctx context.Context, progress func(done, total int)) (CheckResult, error) {
	var res CheckResult
	type copyOf struct {
		h  Hash
		bl Blob
	}
	var copies []copyOf
	stored := map[Hash]bool{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		mail := tx.Bucket(bucketMail)
		if err := forEachBlob(tx, func(h Hash, bl Blob) error {
			copies = append(copies, copyOf{h, bl})
			stored[h] = true
			return nil
		}); err != nil {
			return err
		}
		boxes := mail.Bucket(bucketBoxes)
		if boxes == nil {
			return nil
		}
		return boxes.ForEachBucket(func(bk []byte) error {
			msgs := boxes.Bucket(bk).Bucket(bucketMsgs)
			return msgs.ForEachBucket(func(folder []byte) error {
				return msgs.Bucket(folder).ForEach(func(k, v []byte) error {
					m, err := decodeRecord(k, v)
					if err != nil {
						res.Problems = append(res.Problems, CheckProblem{What: "damaged record", Where: fmt.Sprintf("%q/%s", bk, folder)})
						return nil
					}
					res.Records++
					if !stored[m.Hash] {
						res.Problems = append(res.Problems, CheckProblem{What: "record without stored bytes", Hash: m.Hash.String(),
							Where: fmt.Sprintf("%s/%s uid %d", boxName(bk), folder, m.UID)})
					}
					return nil
				})
			})
		})
	})
	if err != nil {
		return res, err
	}
	res.Blobs = len(copies)
	blobs := make([]Blob, len(copies))
	for i, c := range copies {
		blobs[i] = c.bl
	}
	res.Unreferenced = db.unreferencedBytes(blobs)
	done := 0
	buf := make([]byte, 256<<10)
	for _, c := range copies {
		h, bl := c.h, c.bl
		if err := ctx.Err(); err != nil {
			return res, err
		}
		rc, err := db.OpenBlob(bl)
		if err != nil {
			res.Problems = append(res.Problems, CheckProblem{What: "missing bytes: " + err.Error(), Hash: h.String()})
			continue
		}
		hs := sha256.New()
		n, err := io.CopyBuffer(hs, rc, buf)
		rc.Close()
		res.Bytes += n
		if err != nil {
			res.Problems = append(res.Problems, CheckProblem{What: "unreadable bytes: " + err.Error(), Hash: h.String()})
		} else if sum(hs) != h {
			res.Problems = append(res.Problems, CheckProblem{What: "hash mismatch (the stored bytes changed)", Hash: h.String()})
		}
		done++
		if progress != nil && done%500 == 0 {
			progress(done, len(copies))
		}
	}
	if progress != nil {
		progress(done, len(copies))
	}
	return res, nil
}

func boxName(k []byte) string {
	for i, c := range k {
		if c == 0 {
			return string(k[:i]) + "/" + string(k[i+1:])
		}
	}
	return string(k)
}
