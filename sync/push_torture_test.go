package sync

import (
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// One message in every folder of the torture set (RELIABILITY.md #16:
// non-ASCII, '&', spaces, the other separator inside a name, case
// collisions, reserved names) goes up through the upload session's own
// APPEND commands (modified UTF-7, quoting) and lands once in the folder
// the mapping chose, on a destination of the other style.
func TestPushIntoTortureFolders(t *testing.T) {
	e := &pushEnv{src: testenv.StartDovecot(t, styleSlash), dst: testenv.StartDovecot(t, styleDot)}
	c := e.src.Dial(t, testenv.DefaultUser)
	for i, f := range tortureSource(Namespace{Separator: "/"}) {
		if f.Name != "INBOX" {
			if err := c.Create(f.Name, nil).Wait(); err != nil {
				t.Fatalf("create %q: %v", f.Name, err)
			}
		}
		for j := 0; j < 2; j++ { // two: a MULTIAPPEND per folder
			raw := []byte(fmt.Sprintf("From: a@x.test\r\nMessage-ID: <%d.%d@torture>\r\nSubject: %s\r\n\r\nin %q\r\n", i, j, "torture", f.Name))
			cmd := c.Append(f.Name, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: time.Date(2020, 1, 1+i, 12, j, 0, 0, time.UTC)})
			cmd.Write(raw)
			cmd.Close()
			if _, err := cmd.Wait(); err != nil {
				t.Fatalf("append to %q: %v", f.Name, err)
			}
		}
	}
	c.Close()
	e.db = newStoreWithProfile(t, "p", ProfileGeneric)
	e.box = store.BoxKey{ProjectID: "p", MailboxID: testenv.DefaultUser}
	pullOnce(t, e.db, e.src, testenv.DefaultUser, nil)
	trace := &traceLog{}
	rep := e.push(t, PushOptions{}, trace)
	want := 2 * (len(tortureFolders) + 1)
	if rep.Exceptions() || rep.Totals().Uploaded != want {
		t.Fatalf("push: %s", rep.Summary())
	}
	if n := countLines(trace.all(), " APPEND "); n != len(tortureFolders)+1 {
		t.Fatalf("%d APPEND commands for %d folders", n, len(tortureFolders)+1)
	}
	if n := e.assertDestMatchesSource(t); n != want {
		t.Fatalf("%d compared", n)
	}
}
