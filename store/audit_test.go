package store

import (
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestAuditChainDetectsTampering(t *testing.T) {
	db := openTemp(t)
	db.CreateProject(Project{Name: "p"})
	for _, kind := range []string{"project.created", "step.ticked", "step.unticked"} {
		if _, err := db.AppendAudit("p", AuditRecord{Actor: "Ann", Kind: kind, Subject: "s1", Data: []byte(`{ "a" : 1 }`)}); err != nil {
			t.Fatal(err)
		}
	}
	head, n, err := db.VerifyAudit("p")
	if err != nil || n != 3 || len(head) != 64 {
		t.Fatalf("verify: %q %d %v", head, n, err)
	}
	// Rewrite record 2's actor behind the API's back.
	db.bolt.Update(func(tx *bolt.Tx) error {
		ab := tx.Bucket(bucketProjects).Bucket([]byte("p")).Bucket(bucketAudit)
		var r AuditRecord
		decode(ab.Get(u64key(2)), &r)
		r.Actor = "Mallory"
		return putJSON(ab, u64key(2), r)
	})
	if _, _, err := db.VerifyAudit("p"); err == nil || !strings.Contains(err.Error(), "record 2") {
		t.Fatalf("tampering not detected: %v", err)
	}
}

func TestAuditDeletionIsDetected(t *testing.T) {
	db := openTemp(t)
	db.CreateProject(Project{Name: "p"})
	for i := 0; i < 3; i++ {
		db.AppendAudit("p", AuditRecord{Actor: "a", Kind: "k"})
	}
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProjects).Bucket([]byte("p")).Bucket(bucketAudit).Delete(u64key(2))
	})
	if _, _, err := db.VerifyAudit("p"); err == nil {
		t.Fatal("a deleted record went unnoticed")
	}
}

func TestSetStepWritesStateAndAuditTogether(t *testing.T) {
	db := openTemp(t)
	db.CreateProject(Project{Name: "p"})
	rec, err := db.SetStep("p", StepState{StepID: "agree-terms", Status: "done", By: "Ann"},
		AuditRecord{Actor: "Ann", Kind: "step.ticked", Subject: "agree-terms"})
	if err != nil || rec.Seq != 1 {
		t.Fatalf("%+v %v", rec, err)
	}
	cl, _ := db.Checklist("p")
	if cl["agree-terms"].Status != "done" {
		t.Fatalf("checklist %+v", cl)
	}
	if _, err := db.SetStep("missing", StepState{StepID: "x"}, AuditRecord{}); err == nil {
		t.Fatal("step on a missing project stored")
	}
}
