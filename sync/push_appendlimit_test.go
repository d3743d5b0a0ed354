package sync

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"mailshift/internal/testenv"
)

// A destination that announces APPENDLIMIT (RFC 7889) and enforces it: a
// real Dovecot with quota_max_mail_size, announcing the same size. The
// two messages over it are listed as too big with the announced limit in
// the report's words and never sent (no literal of their size leaves),
// the ten others are uploaded, the run ends "completed with exceptions",
// the destination's inventory records the limit, and the next run sends
// nothing and lists the two again.
func TestPushAppliesTheServersAppendLimit(t *testing.T) {
	pad := bytes.Repeat([]byte("a line of padding to pass the server's size limit\r\n"), 800) // ~40 KB
	var msgs []testenv.Message
	var bigSizes []int
	for i := 0; i < 12; i++ {
		raw := testenv.SimpleMessage(i, "work")
		if i == 3 || i == 8 {
			raw = append(raw, pad...)
			bigSizes = append(bigSizes, len(raw))
		}
		msgs = append(msgs, testenv.Message{Raw: raw})
	}
	e := workEnv(t, testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", MaxMailBytes: 20_000, AppendLimit: 20_000}, msgs)
	for run := 1; run <= 2; run++ {
		trace := &traceLog{}
		rep := e.push(t, PushOptions{}, trace)
		if !rep.Exceptions() || !strings.Contains(rep.Summary(), "completed with exceptions") || rep.Mailboxes[0].Err != "" {
			t.Fatalf("run %d: %s", run, rep.Summary())
		}
		var f PushFolderReport
		for _, fr := range rep.Mailboxes[0].Folders {
			if fr.Dest == e.dst.Mailbox("Work") {
				f = fr
			}
		}
		wantUp := map[int]int{1: 10, 2: 0}[run]
		if f.Uploaded != wantUp || f.TooBig != 2 || f.Failed+f.Unknown+f.NotPushed != 0 || len(f.Problems) != 2 {
			t.Fatalf("run %d: %+v", run, f)
		}
		for _, p := range f.Problems {
			if p.Code != CodeTooBig || !strings.Contains(p.Text, "APPENDLIMIT") || !strings.Contains(p.Text, "20000 bytes") {
				t.Errorf("run %d: problem %+v: want too big, over the announced 20000 bytes", run, p)
			}
		}
		log := trace.all()
		for _, n := range bigSizes {
			if strings.Contains(log, fmt.Sprintf("{%d", n)) {
				t.Fatalf("run %d: a %d-byte message over the announced limit was sent", run, n)
			}
		}
		if n := countLines(log, " APPEND "); run == 2 && n != 0 {
			t.Fatalf("re-run: %d APPEND commands", n)
		}
	}
	if n := e.dst.Count(t, testenv.DefaultUser, "Work"); n != 10 {
		t.Fatalf("%d messages on the destination, want the 10 under the limit", n)
	}
	info, ok, err := LatestInventory(e.db, "p", SnapshotDestInventory, testenv.DefaultUser)
	if err != nil || !ok || info.AppendLimit != 20_000 {
		t.Fatalf("destination inventory: APPENDLIMIT %d (found %v, %v)", info.AppendLimit, ok, err)
	}
}

// The server's announced limit wins over the profile's default (a tenant
// may have raised it, and says so); the operator's own limit applies over
// either; without both, the profile's default applies.
func TestSizeLimitPrecedence(t *testing.T) {
	m365 := mustProfile(t, ProfileM365)
	generic := mustProfile(t, ProfileGeneric)
	for _, c := range []struct {
		announced int64
		p         Profile
		own       int64
		want      int64
		from      string
	}{
		{0, m365, 0, 35 << 20, "m365 profile"},
		{150 << 20, m365, 0, 150 << 20, "APPENDLIMIT"},
		{20 << 20, m365, 0, 20 << 20, "APPENDLIMIT"},
		{150 << 20, m365, 10 << 20, 10 << 20, "your own"},
		{5 << 20, m365, 10 << 20, 5 << 20, "APPENDLIMIT"},
		{0, generic, 0, 0, ""},
		{0, generic, 1 << 20, 1 << 20, "your own"},
	} {
		got, from := sizeLimit(c.announced, c.p, c.own)
		if got != c.want || !strings.Contains(from, c.from) {
			t.Errorf("announced %d, %s, own %d: %d (%q), want %d (%s)", c.announced, c.p.Name, c.own, got, from, c.want, c.from)
		}
	}
}
