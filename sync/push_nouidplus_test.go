package sync

import (
	"bytes"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// hideUIDPlus relays to a real Dovecot as a server without UIDPLUS (RFC
// 4315) would answer: the capability is taken out of every CAPABILITY
// list and APPENDUID out of every tagged OK. Dovecot's UIDPLUS cannot be
// switched off. stripped counts the APPENDUID codes taken out.
func hideUIDPlus(t *testing.T, upstream string) (addr string, stripped *atomic.Int32) {
	t.Helper()
	stripped = &atomic.Int32{}
	appendUID := regexp.MustCompile(`^(\S+ OK )\[APPENDUID [^\]]*\] ?`)
	r := &imapRelay{upstream: upstream}
	r.response = func(_ *relayConn, resp []byte) ([]byte, bool) {
		if bytes.Count(resp, []byte("\n")) != 1 { // a response with literals (a message's bytes) passes as it is
			return resp, false
		}
		if bytes.Contains(resp, []byte("CAPABILITY")) {
			resp = bytes.ReplaceAll(resp, []byte(" UIDPLUS"), nil)
		}
		if appendUID.Match(resp) {
			stripped.Add(1)
			resp = appendUID.ReplaceAll(resp, []byte("$1"))
		}
		return resp, false
	}
	return r.start(t), stripped
}

// A destination without UIDPLUS: no upload ever learns its UID, so
// recovery has only Message-ID, size and content hash to find what landed.
// The child push SIGKILLs itself right after the server accepted a window
// and before its outcome was recorded (at the second window, then,
// resumed, at its third), through a relay that hides UIDPLUS. Each time it
// died the journal held exactly that window's intents, the destination
// held them (they landed) besides the journal's done records, and no
// upload's done record had a UID. The resumed run sends nothing that is already there
// (uploads = what was missing), and the destination matches the source.
func TestPushWithoutUIDPLUSSurvivesKills(t *testing.T) {
	for _, plain := range []bool{false, true} {
		t.Run(pathName[plain], func(t *testing.T) {
			e := newPushEnv(t, styleSlash, styleDot, 1)
			addr, stripped := hideUIDPlus(t, e.dst.Addr)
			dir := e.db.Dir()
			e.db.Close()
			conns := 2
			if plain {
				conns = 1
			}
			env := []string{"MAILSHIFT_PUSH_CONNS=" + strconv.Itoa(conns), "MAILSHIFT_PUSH_WINDOW=5", "MAILSHIFT_PUSH_PLAIN=" + map[bool]string{true: "1"}[plain]}
			n := 0 // the last window that landed unrecorded
			for _, die := range []string{"sent:2", "sent:3"} {
				lines, finished := pushChildAt(t, addr, dir, append(env, "MAILSHIFT_PUSH_DIE="+die)...)
				n = diedAt(t, lines, finished, "sent")
				j := tallyJournalAt(t, dir)
				// The first child's done records are all uploads, and no
				// upload learns its UID; recovery records the UID it found.
				if j.intents != n || j.failed != 0 || die == "sent:2" && j.zeroUID != j.done {
					t.Fatalf("killed at %s (window of %d): the journal holds %+v, want %d intents (and, first, no UID in any done record)", die, n, j, n)
				}
				if got := destCount(t, e.dst); got != j.done+n {
					t.Fatalf("killed at %s: %d messages on the destination, want the %d done and the %d of the window", die, got, j.done, n)
				}
			}
			if stripped.Load() == 0 {
				t.Fatal("Dovecot never sent APPENDUID: the relay hid nothing")
			}
			db := e.reopen(t, dir)
			before := destCount(t, e.dst)
			ep := endpointFor(e.dst, addr, store.SecurityPlain, testenv.DefaultUser)
			rep, err := Push(t.Context(), db, []PushMailbox{{Box: e.box, Endpoint: ep}}, PushOptions{Window: 5, MaxConnections: conns, PlainAppend: plain})
			if err != nil {
				t.Fatal(err)
			}
			tot := rep.Totals()
			if rep.Exceptions() || tot.Uploaded != 98-before || tot.Found+tot.Already != before || tot.Found < n {
				t.Fatalf("resumed with %d on the destination: %s", before, rep.Summary())
			}
			if n := e.assertDestMatchesSource(t); n != 98 {
				t.Fatalf("%d compared", n)
			}
			if j := tallyJournal(t, db); j.done != 98 || j.intents != 0 || j.zeroUID < tot.Uploaded {
				t.Fatalf("journal after the resumed run: %+v", j)
			}
		})
	}
}
