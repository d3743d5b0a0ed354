package app

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/export/report"
	"mailshift/sync"
)

// waitJob reads events until job id leaves the running state.
func waitJob(t *testing.T, events <-chan Event, id string) JobInfo {
	t.Helper()
	for ev := range events {
		if jc, ok := ev.(JobChanged); ok && jc.Job.ID == id && jc.Job.State != JobRunning {
			return jc.Job
		}
	}
	t.Fatal("event stream closed")
	return JobInfo{}
}

// The demo migrates end to end through the app's API: pull, push as a
// background job, reconcile (kept for the report), a second push that
// sends nothing, and the folder-mapping editor.
func TestDemoPushReconcileAndMapping(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := a.Pull(ctx, p.ID, nil, 2, nopSink{}); err != nil {
		t.Fatal(err)
	}
	v, err := a.Verify(ctx, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.StartPush(ctx, p.ID, []string{"nobody@demo-company.test"}, 2); err == nil {
		t.Fatal("a push of an unknown mailbox started")
	}

	// The editor: Mapping previews, SetMapping excludes one folder of ann.
	const ann = "ann@demo-company.test"
	m, _, err := a.Mapping(ctx, p.ID, ann)
	if err != nil || len(m.Folders) < 8 {
		t.Fatalf("mapping: %d folders, %v", len(m.Folders), err)
	}
	f, _, err := a.SetMapping(ctx, p.ID, ann, sync.Override{Source: "Junk", Exclude: true})
	if err != nil || !f.Excluded {
		t.Fatalf("exclude Junk: %+v %v", f, err)
	}
	if _, _, err := a.SetMapping(ctx, p.ID, ann, sync.Override{Source: "No such folder", Exclude: true}); err == nil {
		t.Fatal("an override of a folder the source does not have was accepted")
	}
	m, _, _ = a.Mapping(ctx, p.ID, ann)
	if j, _ := m.Lookup("Junk"); !j.Excluded {
		t.Fatalf("exclusion not saved: %+v", j)
	}

	events, unsub := a.Events.Subscribe(4096)
	defer unsub()
	if err := a.StartPush(ctx, p.ID, nil, 2); err != nil {
		t.Fatal(err)
	}
	final := waitJob(t, events, PushJobID(p.ID))
	if final.State != JobDone || final.Kind != "push" {
		t.Fatalf("push ended %s: %s", final.State, final.Message)
	}
	junk := 3 // ann's Junk, excluded above, is not sent
	if int(final.Progress.Done) != v.Messages-junk || !strings.Contains(final.Message, "completed") {
		t.Fatalf("push sent %d of %d: %s", final.Progress.Done, v.Messages-junk, final.Message)
	}
	mbs, _ := a.Mailboxes(ctx, p.ID)
	for _, m := range mbs {
		if m.Status != "pushed" {
			t.Errorf("%s is %s after the push", m.Email, m.Status)
		}
	}

	rec, err := a.Reconcile(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	tot := rec.Totals()
	if !rec.OK() || tot.Missing != 0 || tot.Matched != v.Messages-junk || tot.Skipped != junk {
		t.Fatalf("reconcile: %+v\n%s\n%+v", tot, rec.Verdict(), rec.Mailboxes)
	}
	mbs, _ = a.Mailboxes(ctx, p.ID)
	for _, m := range mbs {
		if m.Status != "verified" {
			t.Errorf("%s is %s after a clean reconciliation", m.Email, m.Status)
		}
	}
	snaps, err := a.Store().Snapshots(p.ID, SnapshotReconcile)
	if err != nil || len(snaps) != 1 {
		t.Fatalf("reconcile snapshots: %d, %v", len(snaps), err)
	}
	var sum []report.Mailbox
	if err := json.Unmarshal(snaps[0].Data, &sum); err != nil || len(sum) != 3 {
		t.Fatalf("reconcile snapshot: %d mailboxes, %v", len(sum), err)
	}
	r, err := a.BuildReport(ctx, p.ID)
	if err != nil || len(r.Mailboxes) != 3 {
		t.Fatalf("report shows %d mailboxes: %v", len(r.Mailboxes), err)
	}

	// Again: nothing is sent.
	rep, err := a.Push(ctx, p.ID, nil, 2, nopSink{})
	if tt := rep.Totals(); err != nil || tt.Uploaded != 0 || tt.Found != 0 || tt.Already != v.Messages-junk {
		t.Fatalf("re-run: %+v %v", tt, err)
	}
}

// The final delta on the demo: after the first pull and push, a message
// arrives at the old host; StartDelta pulls it and pushes it, and the
// reconciliation counts it on the new host.
func TestDemoFinalDelta(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := a.Pull(ctx, p.ID, nil, 2, nopSink{}); err != nil {
		t.Fatal(err)
	}
	first, err := a.Push(ctx, p.ID, nil, 2, nopSink{})
	if err != nil || first.Exceptions() {
		t.Fatalf("push: %v %s", err, first.Summary())
	}

	const ann = "ann@demo-company.test"
	pw, err := a.Password(ctx, p, ann, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := imapclient.DialInsecure(net.JoinHostPort(p.Source.Host, strconv.Itoa(p.Source.Port)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ann, string(pw)).Wait(); err != nil {
		t.Fatal(err)
	}
	raw := "From: late@partner.test\r\nTo: " + ann + "\r\nSubject: arrived during the cutover\r\nMessage-ID: <late@partner.test>\r\n\r\nhello\r\n"
	cmd := c.Append("INBOX", int64(len(raw)), &imap.AppendOptions{Time: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)})
	cmd.Write([]byte(raw))
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	c.Close()

	events, unsub := a.Events.Subscribe(4096)
	defer unsub()
	if err := a.StartDelta(ctx, p.ID, nil, 2); err != nil {
		t.Fatal(err)
	}
	final := waitJob(t, events, DeltaJobID(p.ID))
	if final.State != JobDone || !strings.Contains(final.Message, "1 message(s) stored") || !strings.Contains(final.Message, "1 message(s) uploaded") {
		t.Fatalf("delta ended %s: %s", final.State, final.Message)
	}
	rec, err := a.Reconcile(ctx, p.ID)
	if err != nil || !rec.OK() || rec.Totals().Matched != first.Totals().Uploaded+1 {
		t.Fatalf("reconcile after the delta: %+v %v\n%s", rec.Totals(), err, rec.Verdict())
	}
}
