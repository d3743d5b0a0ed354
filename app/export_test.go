package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailshift/store"
)

// The demo mailbox is pulled, then exported from the local store: every
// stored message lands in the PST, folders carry the new host's names,
// readpst reads it back message for message, and a second export into the
// same folder is refused rather than overwriting.
func TestExportFromTheLocalStore(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	if _, err := a.Pull(ctx, id, nil, 2, nopSink{}); err != nil {
		t.Fatal(err)
	}
	mbs, _ := a.Mailboxes(ctx, id)
	mb := string(mbs[0].ID)
	stored := 0
	states, _ := a.db.FolderStates(store.BoxKey{ProjectID: id, MailboxID: mb})
	for name, st := range states {
		a.db.ForEachMessage(store.BoxKey{ProjectID: id, MailboxID: mb}, name, st.UIDValidity, func(store.MessageRecord) error { stored++; return nil })
	}
	dir := t.TempDir()
	req := ExportRequest{MailboxIDs: []string{mb}, Format: "pst", Dir: dir}
	res, err := a.Export(ctx, id, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Messages != stored || stored == 0 || len(res[0].Skipped) != 0 {
		t.Fatalf("exported %d of %d stored messages (skipped %v)", res[0].Messages, stored, res[0].Skipped)
	}
	if _, ok := res[0].Folders["Sent Items"]; !ok {
		t.Errorf("an m365 project's PST names the sent folder as Outlook does; folders: %v", res[0].Folders)
	}
	if _, ok := res[0].Folders["Inbox"]; !ok {
		t.Errorf("no Inbox in %v", res[0].Folders)
	}
	bin, err := exec.LookPath("readpst")
	if err != nil {
		t.Fatal("readpst is missing: install pst-utils (make test does)")
	}
	out := t.TempDir()
	if b, err := exec.Command(bin, "-j", "0", "-D", "-e", "-q", "-o", out, res[0].Files[0]).CombinedOutput(); err != nil {
		t.Fatalf("readpst: %v\n%s", err, b)
	}
	read := 0
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".eml") {
			read++
		}
		return nil
	})
	if read != stored {
		t.Errorf("readpst reads %d messages, %d were stored", read, stored)
	}
	if _, err := a.Export(ctx, id, req, nil); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Errorf("a second export into the same folder: %v", err)
	}
}

func TestExportRefusesBadRequestsBeforeWriting(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	dir := t.TempDir()
	for _, req := range []ExportRequest{
		{Format: "zip", Dir: dir},
		{Format: "pst", Dir: ""},
		{Format: "pst", Dir: dir, MailboxIDs: []string{"nobody@demo-company.test"}},
	} {
		if err := a.StartExport(ctx, id, req); err == nil {
			t.Errorf("%+v: accepted", req)
		}
	}
	if _, err := a.Export(ctx, id, ExportRequest{Format: "mbox", Dir: dir}, nil); err == nil || !strings.Contains(err.Error(), "pull it first") {
		t.Errorf("export before any pull: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("refused exports wrote %d entries", len(ents))
	}
}
