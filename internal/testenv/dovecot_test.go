package testenv

import (
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func listFolders(t *testing.T, addr, user, pw string) ([]string, rune) {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pw).Wait(); err != nil {
		t.Fatalf("login %s: %v", addr, err)
	}
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var delim rune
	for _, b := range boxes {
		names = append(names, b.Mailbox)
		delim = b.Delim
	}
	sort.Strings(names)
	return names, delim
}

// Both separator styles really run, log in and list what was created.
func TestDovecotInstancesWithBothSeparatorStyles(t *testing.T) {
	for _, o := range []DovecotOptions{{Separator: "/"}, {Separator: ".", Prefix: "INBOX."}} {
		d := StartDovecot(t, o)
		for _, p := range []string{"Archive", "Archive/2024", "Projects/Café & Co"} {
			d.MustDoveadm(t, "mailbox", "create", "-u", DefaultUser, d.Mailbox(p))
		}
		names, delim := listFolders(t, d.Addr, DefaultUser, DefaultPassword)
		got := strings.Join(names, "|")
		want := map[string]string{
			"/": "Archive|Archive/2024|INBOX|Projects|Projects/Café & Co",
			".": "INBOX|INBOX.Archive|INBOX.Archive.2024|INBOX.Projects|INBOX.Projects.Café & Co",
		}[o.Separator]
		if got != want || string(delim) != o.Separator {
			t.Errorf("separator %q: folders %q (delim %q), want %q", o.Separator, got, delim, want)
		}
	}
}

func TestDovecotRefusesWrongPassword(t *testing.T) {
	d := StartDovecot(t, DovecotOptions{})
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(DefaultUser, "wrong").Wait(); err == nil {
		t.Fatal("wrong password accepted")
	}
	var _ imap.Flag
}

func TestDovecotTLSAndLoad(t *testing.T) {
	d := StartDovecot(t, DovecotOptions{TLS: true, Separator: ".", Prefix: "INBOX."})
	var msgs []Message
	for i := 0; i < 150; i++ {
		msgs = append(msgs, Message{Raw: SimpleMessage(i, "load"), Flags: []imap.Flag{imap.FlagSeen}})
	}
	d.Load(t, DefaultUser, "Archive/2024", msgs)
	if n := d.Count(t, DefaultUser, "Archive/2024"); n != 150 {
		t.Fatalf("%d messages loaded", n)
	}
	c := d.DialTLS(t)
	defer c.Close()
	if err := c.Login(DefaultUser, DefaultPassword).Wait(); err != nil {
		t.Fatalf("login over TLS: %v", err)
	}
	if len(d.Cert.SHA256()) != 64 {
		t.Fatal("fingerprint")
	}
}

func TestMemServerLogsIn(t *testing.T) {
	m := StartMemServer(t, map[string]string{"bob": "pw"})
	c, err := imapclient.DialInsecure(m.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("bob", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
}

// Maildir files written directly are indexed by Dovecot with their bytes,
// flags, keywords and dates, in order, on both separator styles.
func TestLoadMaildirKeepsBytesFlagsKeywordsAndDates(t *testing.T) {
	for _, o := range []DovecotOptions{{Separator: "/"}, {Separator: ".", Prefix: "INBOX."}} {
		d := StartDovecot(t, o)
		date := time.Date(2023, 5, 17, 9, 30, 0, 0, time.UTC)
		var msgs []Message
		for i := 0; i < 300; i++ {
			flags := []imap.Flag{}
			if i%2 == 0 {
				flags = append(flags, imap.FlagSeen)
			}
			if i%3 == 0 {
				flags = append(flags, "$Label1", imap.FlagFlagged)
			}
			msgs = append(msgs, Message{Raw: SimpleMessage(i, "maildir"), Flags: flags, Date: date.Add(time.Duration(i) * time.Hour)})
		}
		for _, folder := range []string{"INBOX", "Projects/Café & Co"} {
			if err := d.LoadMaildir(DefaultUser, folder, msgs); err != nil {
				t.Fatal(err)
			}
			c := d.Dial(t, DefaultUser)
			if _, err := c.Select(d.Mailbox(folder), nil).Wait(); err != nil {
				t.Fatal(err)
			}
			got, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
				BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
			c.Close()
			if err != nil || len(got) != 300 {
				t.Fatalf("%s: %d messages, %v", folder, len(got), err)
			}
			for _, m := range got {
				want := msgs[m.UID-1]
				var fl []string
				for _, f := range m.Flags {
					if f != `\Recent` {
						fl = append(fl, string(f))
					}
				}
				var wf []string
				for _, f := range want.Flags {
					wf = append(wf, string(f))
				}
				sort.Strings(fl)
				sort.Strings(wf)
				if string(m.BodySection[0].Bytes) != string(want.Raw) || strings.Join(fl, " ") != strings.Join(wf, " ") || !m.InternalDate.Equal(want.Date) {
					t.Fatalf("%s uid %d: flags %v date %v, want %v %v", folder, m.UID, fl, m.InternalDate, wf, want.Date)
				}
			}
		}
	}
}

// An in-memory server keeps its files under /dev/shm (where the machine
// has it), serves what was loaded, and leaves nothing there once stopped.
func TestInMemoryServerLivesOnTmpfsAndCleansUp(t *testing.T) {
	d := StartDovecot(t, DovecotOptions{InMemory: true})
	want := serverTempRoot(true)
	if want == "" {
		want = os.TempDir()
	}
	if filepath.Dir(d.dir) != filepath.Clean(want) {
		t.Fatalf("server folder %s, want one under %s", d.dir, want)
	}
	d.Load(t, DefaultUser, "INBOX", SimpleMessages(3, "shm"))
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(DefaultUser, DefaultPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || st.NumMessages == nil || *st.NumMessages != 3 {
		t.Fatalf("INBOX status %+v, %v: want 3 messages", st, err)
	}
	dir := d.dir
	d.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after Stop: %v", dir, err)
	}
}

// StopAll (a program's interrupt handler) stops what Start started: the
// server no longer answers and its files are gone; Stop afterwards is
// harmless.
func TestStopAllStopsWhatStartStarted(t *testing.T) {
	RequireDovecot(t)
	d, err := Start(DovecotOptions{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	dir := d.dir
	StopAll()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after StopAll: %v", dir, err)
	}
	if c, err := net.DialTimeout("tcp", d.Addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still answers after StopAll", d.Addr)
	}
	d.Stop()
}
