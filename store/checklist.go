package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// StepState is the persisted state of one checklist step. The plan itself
// (titles, owners, order) is data in app/; only what people and checks did
// is stored.
type StepState struct {
	StepID   string          `json:"step_id"`
	Status   string          `json:"status"` // app/ defines the values
	By       string          `json:"by,omitempty"`
	At       time.Time       `json:"at"`
	Note     string          `json:"note,omitempty"`
	Reason   string          `json:"reason,omitempty"`   // why it was un-ticked or overridden
	Override bool            `json:"override,omitempty"` // ticked against a failing check
	Check    json.RawMessage `json:"check,omitempty"`    // attached check result (findings)
}

// SetStep stores a step's new state and its audit record in one
// transaction, so the log never misses a change and never shows one that
// did not happen.
func (db *DB) SetStep(projectID string, st StepState, rec AuditRecord) (AuditRecord, error) {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		if err := putJSON(pb.Bucket(bucketChecklist), []byte(st.StepID), st); err != nil {
			return err
		}
		rec, err = appendAudit(pb, rec)
		return err
	})
	return rec, err
}

// Checklist returns every touched step's state by step ID.
func (db *DB) Checklist(projectID string) (map[string]StepState, error) {
	out := map[string]StepState{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		return pb.Bucket(bucketChecklist).ForEach(func(k, v []byte) error {
			var st StepState
			if err := decode(v, &st); err != nil {
				return fmt.Errorf("checklist step %s: %w", k, err)
			}
			out[st.StepID] = st
			return nil
		})
	})
	return out, err
}
