package testenv

import (
	"sort"
	"strings"
	"testing"

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
