package sync

import (
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
)

// storeFlags changes flags of UIDs in one folder of d, as a user's mail
// client would.
func storeFlags(t *testing.T, c *imapclient.Client, folder string, uids imap.UIDSet, op imap.StoreFlagsOp, flags ...imap.Flag) {
	t.Helper()
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(uids, &imap.StoreFlags{Op: op, Silent: true, Flags: flags}, nil).Close(); err != nil {
		t.Fatal(err)
	}
}

// Users go on reading and flagging mail on the old server during the
// migration (RELIABILITY.md 14): the next pull delta and push carry every
// flag change over without uploading anything again, and a flag set on the
// destination meanwhile, which the source never changed, stays. Before,
// the push compared nothing but the messages' presence: the destination
// kept the flags of the first upload, and the re-run reported "unchanged".
func TestPushCarriesSourceFlagChangesOver(t *testing.T) {
	e := newPushEnv(t, styleSlash, styleDot, 1)
	if rep := e.push(t, PushOptions{}, nil); rep.Exceptions() || rep.Totals().Uploaded != 98 {
		t.Fatalf("first push: %s", rep.Summary())
	}

	src := e.src.Dial(t, testenv.DefaultUser)
	storeFlags(t, src, "INBOX", imap.UIDSetNum(1, 2, 3), imap.StoreFlagsAdd, imap.FlagFlagged, "$Label1")
	storeFlags(t, src, "INBOX", imap.UIDSetNum(4, 5, 6), imap.StoreFlagsDel, imap.FlagSeen)
	archive := e.src.Mailbox("Archive/2024")
	storeFlags(t, src, archive, imap.UIDSetNum(1, 2), imap.StoreFlagsSet, imap.FlagAnswered)
	src.Close()
	// A user of the new server flags a message there meanwhile.
	dst := e.dst.Dial(t, testenv.DefaultUser)
	storeFlags(t, dst, "INBOX", imap.UIDSetNum(10), imap.StoreFlagsAdd, "$OnTheNewServer")
	dst.Close()

	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	trace := &traceLog{}
	rep := e.push(t, PushOptions{}, trace)
	tot := rep.Totals()
	if rep.Exceptions() || tot.Uploaded != 0 || tot.Found != 0 || tot.Already != 98 {
		t.Fatalf("the push after the flag changes: %s", rep.Summary())
	}
	// Messages 1-3 gained flags, those of 4-6 that were seen lost \Seen,
	// Archive/2024's 1 and 2 had theirs replaced: at most 8 copies.
	if tot.FlagsUpdated < 5 || tot.FlagsUpdated > 8 || countLines(trace.all(), "APPEND") != 0 {
		t.Fatalf("%d copies updated, %d APPENDs:\n%s", tot.FlagsUpdated, countLines(trace.all(), "APPEND"), trace.all())
	}

	// The destination's own flag stays; with it taken off again, every
	// copy's flags are its source message's.
	dstNow := snapshot(t, e.dst, testenv.DefaultUser)
	if m, ok := dstNow["INBOX"][10]; !ok || !strings.Contains(m.flags, "$OnTheNewServer") {
		t.Fatalf("the flag set on the destination was lost: %+v", m)
	}
	dst = e.dst.Dial(t, testenv.DefaultUser)
	storeFlags(t, dst, "INBOX", imap.UIDSetNum(10), imap.StoreFlagsDel, "$OnTheNewServer")
	dst.Close()
	if n := e.assertDestMatchesSource(t); n != 98 {
		t.Fatalf("%d compared", n)
	}

	// Nothing changed since: one STATUS per folder, no STORE.
	trace = &traceLog{}
	again := e.push(t, PushOptions{}, trace)
	if again.Exceptions() || again.Totals().FlagsUpdated != 0 || countLines(trace.all(), "STORE") != 0 {
		t.Fatalf("re-run: %s\n%s", again.Summary(), trace.all())
	}
	for _, f := range again.Mailboxes[0].Folders {
		if !f.Unchanged {
			t.Errorf("re-run touched %q: %+v", f.Source, f)
		}
	}
}
