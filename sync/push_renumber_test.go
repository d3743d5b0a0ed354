package sync

import (
	"testing"

	"mailshift/internal/testenv"
)

// The source renumbers a folder after the push (a new UIDVALIDITY, every
// UID moved; RELIABILITY.md 11): the next pull re-matches its messages by
// content, and the push after it sends nothing again. The journal knows a
// message by its bytes, not by its source UID.
func TestPushAfterTheSourceRenumberedAFolder(t *testing.T) {
	e := newPushEnv(t, styleSlash, styleDot, 1)
	if rep := e.push(t, PushOptions{}, nil); rep.Exceptions() || rep.Totals().Uploaded != 98 {
		t.Fatalf("first push: %s", rep.Summary())
	}
	e.src.MustDoveadm(t, "mailbox", "update", "-u", testenv.DefaultUser, "--uid-validity", "777", "INBOX")
	rep := pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	if f := folderReport(rep, "INBOX"); !f.UIDValidityChanged || f.Rematched == 0 || f.Stored != 0 {
		t.Fatalf("the pull after the renumbering: %+v", f)
	}
	trace := &traceLog{}
	again := e.push(t, PushOptions{}, trace)
	if tot := again.Totals(); again.Exceptions() || tot.Uploaded != 0 || tot.Found != 0 || tot.Already != 98 || countLines(trace.all(), "APPEND") != 0 {
		t.Fatalf("the push after the renumbering: %s", again.Summary())
	}
	if n := e.assertDestMatchesSource(t); n != 98 {
		t.Fatalf("%d compared", n)
	}
}
