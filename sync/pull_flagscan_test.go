package sync

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// startNoCondstoreProxy forwards a loopback port to a real Dovecot that
// then announces no CONDSTORE or QRESYNC, as Exchange Online does. It
// returns the proxy's port.
func startNoCondstoreProxy(t *testing.T, upstream string) int {
	t.Helper()
	addr, stop, err := testenv.HideCondstore(upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return n
}

// Without CONDSTORE (a real Dovecot behind a proxy that hides it), a delta
// still picks up flag changes — added, removed, keywords, in two folders —
// by scanning UID FLAGS, never a body; a no-change delta updates nothing
// and fetches no body either.
func TestFlagChangesPickedUpWithoutCondstore(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	var msgs []testenv.Message
	for i := 0; i < 30; i++ {
		msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(i, "flags"), Flags: []imap.Flag{imap.FlagSeen}})
	}
	d.Load(t, testenv.DefaultUser, "INBOX", msgs)
	d.Load(t, testenv.DefaultUser, "Archive/2024", msgs[:10])
	port := startNoCondstoreProxy(t, d.Addr)
	ep := endpointFor(d, "127.0.0.1:"+strconv.Itoa(port), store.SecurityPlain, testenv.DefaultUser)
	db := tempStore(t)
	box := store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pull := func(trace *traceLog) Report {
		t.Helper()
		e := ep
		e.Trace = trace.add
		rep, err := Pull(context.Background(), db, []PullMailbox{{Box: box, Endpoint: e}}, PullOptions{BatchSize: 7})
		if err != nil || rep.Exceptions() {
			t.Fatalf("pull: %v %s", err, rep.Summary())
		}
		return rep
	}
	var first traceLog
	if s, _, _, _, _ := pull(&first).Counts(); s != 40 {
		t.Fatalf("first pull stored %d of 40", s)
	}
	if strings.Contains(strings.ToUpper(first.all()), "CONDSTORE") || strings.Contains(strings.ToUpper(first.all()), "HIGHESTMODSEQ") {
		t.Fatalf("the client used CONDSTORE through the proxy that hides it:\n%s", first.all())
	}

	c := d.Dial(t, testenv.DefaultUser)
	c.Select("INBOX", nil).Wait()
	store1 := func(uids imap.UIDSet, op imap.StoreFlagsOp, fl ...imap.Flag) {
		if err := c.Store(uids, &imap.StoreFlags{Op: op, Silent: true, Flags: fl}, nil).Close(); err != nil {
			t.Fatal(err)
		}
	}
	store1(imap.UIDSetNum(3), imap.StoreFlagsAdd, imap.FlagFlagged, "$Project")
	store1(imap.UIDSetNum(5, 29), imap.StoreFlagsDel, imap.FlagSeen)
	c.Select("Archive/2024", nil).Wait()
	store1(imap.UIDSetNum(2), imap.StoreFlagsAdd, imap.FlagAnswered)
	c.Close()

	var second traceLog
	rep := pull(&second)
	if s, _, _, _, _ := rep.Counts(); s != 0 || folderReport(rep, "INBOX").FlagsUpdated != 3 || folderReport(rep, "Archive/2024").FlagsUpdated != 1 {
		t.Fatalf("delta: stored %d, INBOX %+v, Archive %+v", s, folderReport(rep, "INBOX"), folderReport(rep, "Archive/2024"))
	}
	if strings.Contains(strings.ToUpper(second.all()), "BODY") {
		t.Fatalf("the flag delta fetched bodies:\n%s", second.all())
	}
	if n := compareStore(t, db, testenv.DefaultUser, snapshot(t, d, testenv.DefaultUser)); n != 40 {
		t.Fatalf("compared %d of 40", n)
	}

	var third traceLog
	rep = pull(&third)
	if s, _, _, _, _ := rep.Counts(); s != 0 || folderReport(rep, "INBOX").FlagsUpdated != 0 || strings.Contains(strings.ToUpper(third.all()), "BODY") {
		t.Fatalf("no-change delta: stored %d, INBOX %+v\n%s", s, folderReport(rep, "INBOX"), third.all())
	}
	if got := strings.Count(strings.ToUpper(third.all()), "(UID FLAGS)"); got != 2 {
		t.Fatalf("no-change delta scanned flags %d times, want once per folder with mail (2):\n%s", got, third.all())
	}
}
