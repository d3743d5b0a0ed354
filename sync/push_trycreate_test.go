package sync

import (
	"bytes"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// The destination folder is deleted after the push created and selected
// it, between two windows: the crash hook deletes it, over a connection of
// its own, right before the second window is sent.
//
// Over the upload session (which selects nothing) Dovecot answers the
// APPEND with NO [TRYCREATE]: the attempt fails with "disappeared during
// the upload", the retry creates the folder again (a new UIDVALIDITY) and
// sends again what the deletion took with it, in the same run.
//
// Over go-imap's APPEND the connection still has the deleted folder
// selected, and Dovecot answers every APPEND with "NO Internal error
// occurred": those messages are recorded refused with the server's words
// and the run ends with exceptions (the folder does not exist any more).
// The next run creates it and sends every message.
//
// Either way nothing is lost or doubled: the folder ends with every
// message exactly once, the journal has every message done under the new
// UIDVALIDITY at distinct UIDs, and the report counts each message once.
func TestPushRecreatesAFolderDeletedDuringTheUpload(t *testing.T) {
	segments(t, 10)
	for _, plain := range []bool{false, true} {
		t.Run(pathName[plain], func(t *testing.T) {
			var msgs []testenv.Message
			for i := 0; i < 30; i++ {
				msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(i, "work"), Flags: []imap.Flag{imap.FlagSeen}})
			}
			e := workEnv(t, styleDot, msgs)
			dest := e.dst.Mailbox("Work")
			var (
				mu      gosync.Mutex
				intents int
				delErr  error
				deleted bool
			)
			hook := func(step string, _ int) {
				mu.Lock()
				defer mu.Unlock()
				if step != "intent" {
					return
				}
				if intents++; intents == 2 {
					delErr, deleted = deleteFolder(e.dst, dest), true
				}
			}
			conns := 2
			if plain {
				conns = 1
			}
			events := &eventLog{}
			opts := PushOptions{Window: 5, MaxConnections: conns, PlainAppend: plain, Backoff: 10 * time.Millisecond}
			withHook := opts
			withHook.CrashHook, withHook.Progress = hook, events
			rep := e.push(t, withHook, nil)
			mu.Lock()
			if !deleted || delErr != nil {
				t.Fatalf("the folder was not deleted during the upload (deleted %v): %v", deleted, delErr)
			}
			mu.Unlock()
			f := rep.Mailboxes[0].Folders[len(rep.Mailboxes[0].Folders)-1]
			if f.Dest != dest || f.Wanted != 30 {
				t.Fatalf("last folder report %+v", f)
			}
			if !plain {
				if !strings.Contains(events.all(), "disappeared during the upload") {
					t.Fatalf("the refused APPEND was not seen as a deleted folder:\n%s", events.all())
				}
				if rep.Exceptions() || f.Uploaded != 30 || f.Found+f.Already != 0 {
					t.Fatalf("%s %+v", rep.Summary(), f)
				}
			} else {
				if !rep.Exceptions() || f.Uploaded != 5 || f.Failed != 25 || len(f.Problems) != 25 {
					t.Fatalf("%s %+v", rep.Summary(), f)
				}
				for _, p := range f.Problems {
					if p.Code != CodeRejected || !strings.Contains(p.Text, "Internal error") {
						t.Fatalf("problem %+v: want Dovecot's words", p)
					}
				}
				c := e.dst.Dial(t, testenv.DefaultUser)
				_, err := c.Status(dest, &imap.StatusOptions{NumMessages: true}).Wait()
				c.Close()
				if err == nil {
					t.Fatalf("%s exists again after the first run", dest)
				}
				rep = e.push(t, opts, nil)
				if tot := rep.Totals(); rep.Exceptions() || tot.Uploaded != 30 || tot.Found+tot.Already != 0 {
					t.Fatalf("second run: %s", rep.Summary())
				}
			}
			if n := e.assertDestMatchesSource(t); n != 30 {
				t.Fatalf("%d compared", n)
			}
			c := e.dst.Dial(t, testenv.DefaultUser)
			st, err := c.Status(dest, &imap.StatusOptions{UIDValidity: true}).Wait()
			c.Close()
			if err != nil {
				t.Fatal(err)
			}
			_, recs, err := e.db.PushJournal("p", testenv.DefaultUser, dest)
			if err != nil {
				t.Fatal(err)
			}
			uids := map[uint32]bool{}
			for _, r := range recs {
				if r.State != store.PushDone || r.UIDValidity != st.UIDValidity || r.UID == 0 || uids[r.UID] {
					t.Fatalf("journal record %+v (folder UIDVALIDITY now %d)", r, st.UIDValidity)
				}
				uids[r.UID] = true
			}
			if len(uids) != 30 {
				t.Fatalf("%d records in the journal", len(uids))
			}
		})
	}
}

// deleteFolder deletes a folder over a connection of its own (it runs
// inside the push's crash hook: no t.Fatal off the test's goroutine).
func deleteFolder(d *testenv.Dovecot, name string) error {
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(testenv.DefaultUser, d.Users[testenv.DefaultUser]).Wait(); err != nil {
		return err
	}
	return c.Delete(name).Wait()
}

// The folder's closing STATUS answered NO (the folder gone right after the
// upload, on go-imap's path): the attempt fails with a clear error and the
// retry settles the folder. It used to read the missing answer and crash.
func TestPushFolderGoneAtItsClosingStatus(t *testing.T) {
	e := workEnv(t, styleDot, testenv.SimpleMessages(6, "gone"))
	var appended, rewritten atomic.Bool
	relay := &imapRelay{upstream: e.dst.Addr}
	relay.response = func(rc *relayConn, resp []byte) ([]byte, bool) {
		tag, rest, ok := taggedAnswer(resp)
		if !ok || !bytes.HasPrefix(rest, []byte("OK")) {
			return resp, false
		}
		c, _ := rc.command(tag)
		switch {
		case c.verb == "APPEND":
			appended.Store(true)
		case c.verb == "STATUS" && appended.Load() && rewritten.CompareAndSwap(false, true):
			return []byte(tag + " NO Mailbox doesn't exist\r\n"), false
		}
		return resp, false
	}
	ep := endpointFor(e.dst, relay.start(t), store.SecurityPlain, testenv.DefaultUser)
	rep, err := Push(t.Context(), e.db, []PushMailbox{{Box: e.box, Endpoint: ep}}, PushOptions{MaxConnections: 1, PlainAppend: true})
	if err != nil || !rewritten.Load() {
		t.Fatalf("push: %v (closing STATUS refused: %v)", err, rewritten.Load())
	}
	if tot := rep.Totals(); rep.Exceptions() || tot.Uploaded != 6 || tot.Wanted != 6 {
		t.Fatalf("push: %s %+v", rep.Summary(), rep.Mailboxes)
	}
	if n := len(snapshot(t, e.dst, testenv.DefaultUser)[e.dst.Mailbox("Work")]); n != 6 {
		t.Fatalf("%d messages on the destination, want 6", n)
	}
}
