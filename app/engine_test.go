package app

import (
	"context"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"

	"mailshift/store"
)

// The demo project runs end to end through the engine: test a login, pull
// every mailbox from the in-process old host, verify offline.
func TestDemoPullAndVerify(t *testing.T) {
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
	info, err := a.TestConnection(ctx, p.ID, "ann@demo-company.test", false)
	if err != nil || len(info.Folders) < 8 {
		t.Fatalf("test connection: %d folders, %v", len(info.Folders), err)
	}
	events, unsub := a.Events.Subscribe(4096)
	defer unsub()
	if err := a.StartPull(ctx, p.ID, nil, 2); err != nil {
		t.Fatal(err)
	}
	var final JobInfo
	for ev := range events {
		if jc, ok := ev.(JobChanged); ok && jc.Job.State != JobRunning {
			final = jc.Job
			break
		}
	}
	if final.State != JobDone {
		t.Fatalf("pull ended %s: %s", final.State, final.Message)
	}
	if final.Progress.Done < 290 || !strings.Contains(final.Message, "3 mailbox(es)") {
		t.Fatalf("pull: %+v", final)
	}
	v, err := a.Verify(ctx, p.ID, nil)
	if err != nil || !v.OK() || v.Messages != int(final.Progress.Done) {
		t.Fatalf("verify: %s %v (%d vs %d)", v.Verdict(), err, v.Messages, final.Progress.Done)
	}
	mbs, _ := a.Mailboxes(ctx, p.ID)
	for _, m := range mbs {
		if m.Status != "pulled" {
			t.Errorf("%s is %s", m.Email, m.Status)
		}
	}
	// A second pull copies nothing.
	rep, err := a.Pull(ctx, p.ID, nil, 2, nopSink{})
	if s, _, _, _, _ := rep.Counts(); err != nil || s != 0 {
		t.Fatalf("re-run stored %d: %v", s, err)
	}
}

type nopSink struct{}

func (nopSink) Update(func(*Progress)) {}

// A mailbox edited while a pull of it runs keeps the edit: the pull sets
// only the status when it ends, on the mailbox as it is then (it used to
// write back the whole mailbox as it read it at the start).
func TestEditDuringAPullIsKept(t *testing.T) {
	a, id := demoApp(t)
	ctx := context.Background()
	const ann = "ann@demo-company.test"
	sink := &onFirstUpdate{do: func() {
		if _, err := a.EditMailbox(ctx, id, "tech", ann, MailboxEdit{SourceLogin: ann, DestLogin: "ann.new@demo-company.test"}); err != nil {
			t.Error(err)
		}
	}}
	if _, err := a.Pull(ctx, id, []string{ann}, 2, sink); err != nil {
		t.Fatal(err)
	}
	if !sink.done.Load() {
		t.Fatal("the pull reported no progress")
	}
	_, m, err := a.mailbox(id, ann)
	if err != nil || m.DestLogin != "ann.new@demo-company.test" || m.Status != "pulled" {
		t.Fatalf("after the pull: %+v %v", m, err)
	}
}

// onFirstUpdate runs do at a job's first progress report.
type onFirstUpdate struct {
	do   func()
	once gosync.Once
	done atomic.Bool
}

func (s *onFirstUpdate) Update(func(*Progress)) {
	s.once.Do(func() { s.do(); s.done.Store(true) })
}

// A pull or push that could not log in to one mailbox ends "NOT
// complete", not "completed with exceptions": the other is copied, the job
// says which stopped and why, the mailbox shows "login-failed", and
// Resume, once the password is right, finishes it.
func TestARunWithARefusedLoginIsNotComplete(t *testing.T) {
	a, demoP, p := projectAtTheDemoHosts(t, "Refused")
	ctx := context.Background()
	ann, bob := "ann@"+demoP.Domain, "bob@"+demoP.Domain
	var bobsRight []byte
	for _, email := range []string{ann, bob} {
		pw, err := a.Password(ctx, demoP, store.MailboxID(email), false)
		if err != nil {
			t.Fatal(err)
		}
		src, dst := pw, pw // the demo's two hosts share each user's password
		if email == bob {
			bobsRight, src, dst = pw, []byte("not "+string(pw)), []byte("nor "+string(pw))
		}
		if err := a.AddMailbox(ctx, p.ID, "t", store.NewMailbox{Mailbox: store.Mailbox{Email: email, SourceLogin: email, DestLogin: email}, SourcePassword: src, DestPassword: dst}); err != nil {
			t.Fatal(err)
		}
	}
	statuses := func(want map[string]store.MailboxStatus) {
		t.Helper()
		mbs, _ := a.Mailboxes(ctx, p.ID)
		for _, m := range mbs {
			if m.Status != want[m.Email] {
				t.Errorf("%s is %s, want %s", m.Email, m.Status, want[m.Email])
			}
		}
	}
	events, unsub := a.Events.Subscribe(4096)
	defer unsub()
	ended := func() JobInfo {
		t.Helper()
		for ev := range events {
			if jc, ok := ev.(JobChanged); ok && jc.Job.State != JobRunning {
				return jc.Job
			}
		}
		t.Fatal("no final report")
		return JobInfo{}
	}
	// runThenFix starts a job that ends NOT complete for bob, puts his
	// right password in with fix, resumes it and wants it done (its
	// message saying done).
	runThenFix := func(what string, start func(context.Context, string, []string, int) error, stopped map[string]store.MailboxStatus, fix MailboxEdit, done string) {
		t.Helper()
		if err := start(ctx, p.ID, nil, 2); err != nil {
			t.Fatal(err)
		}
		j := ended()
		if j.State != JobIncomplete || !strings.Contains(j.Message, bob+": ") || !strings.Contains(j.Message, "NOT complete: 1 of 2 mailbox(es) stopped") {
			t.Fatalf("%s with bob's login refused ended %s: %s", what, j.State, j.Message)
		}
		statuses(stopped)
		fix.SourceLogin, fix.DestLogin = bob, bob
		if _, err := a.EditMailbox(ctx, p.ID, "tech", store.MailboxID(bob), fix); err != nil {
			t.Fatal(err)
		}
		if err := a.Jobs().Resume(j.ID); err != nil {
			t.Fatal(err)
		}
		if j := ended(); j.State != JobDone || !strings.Contains(j.Message, done) {
			t.Fatalf("%s resumed with bob's right password: %s: %s", what, j.State, j.Message)
		}
	}
	runThenFix("pull", a.StartPull, map[string]store.MailboxStatus{ann: store.MailboxPulled, bob: store.MailboxLoginFail},
		MailboxEdit{SourcePassword: bobsRight}, "2 mailbox(es)")
	runThenFix("push", a.StartPush, map[string]store.MailboxStatus{ann: store.MailboxPushed, bob: store.MailboxLoginFail},
		MailboxEdit{DestPassword: bobsRight}, ": completed.")
	statuses(map[string]store.MailboxStatus{ann: store.MailboxPushed, bob: store.MailboxPushed})
}
