package sync

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// The same pull, delta and verification against go-imap's in-memory
// server (the demo's server), as against Dovecot.
func TestPullConformsOnMemServer(t *testing.T) {
	ep := memMailbox(t, "bob", []string{"INBOX", "Archive", "Archive/2024"}, 12)
	db := tempStore(t)
	rep := pullWith(t, db, ep, "bob")
	if s, _, _, failed, _ := rep.Counts(); s != 36 || failed != 0 {
		t.Fatalf("first pull: %s", rep.Summary())
	}
	rep = pullWith(t, db, ep, "bob")
	if s, _, _, _, _ := rep.Counts(); s != 0 {
		t.Fatalf("delta: %s", rep.Summary())
	}
	if v, err := VerifyOffline(context.Background(), db, "p", nil); err != nil || v.Verdict() != "all 36 messages of 3 folders verified" {
		t.Fatalf("verify: %s %v", v.Verdict(), err)
	}
}

// memMailbox starts go-imap's in-memory server with user's mailbox holding
// perFolder seen messages in each of folders, and returns its endpoint.
func memMailbox(t *testing.T, user string, folders []string, perFolder int) Endpoint {
	t.Helper()
	m := testenv.StartMemServer(t, map[string]string{user: canaryPassword})
	c, err := imapclient.DialInsecure(m.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, canaryPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, folder := range folders {
		c.Create(folder, nil).Wait() // the in-memory server starts with no INBOX
		for i := 0; i < perFolder; i++ {
			raw := testenv.SimpleMessage(i, folder)
			cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)})
			cmd.Write(raw)
			cmd.Close()
			if _, err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
		}
	}
	host, port, _ := net.SplitHostPort(m.Addr)
	n, _ := strconv.Atoi(port)
	return Endpoint{Server: store.Server{Host: host, Port: n, Security: store.SecurityPlain, AllowPlaintext: true}, Username: user, Password: []byte(canaryPassword)}
}
