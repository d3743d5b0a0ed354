package testenv

import (
	"crypto/tls"
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Message is one message to load into a test server.
type Message struct {
	Raw []byte
	// File holds the raw message instead of Raw, for one too large to
	// build in memory (under the race detector 150 MB take 20 s to
	// allocate and fill); only LoadMaildir reads it.
	File  string
	Flags []imap.Flag
	Date  time.Time
}

// Dial logs in to the instance as user (plain connection) for test setup
// and checks; the caller closes the client.
func (d *Dovecot) Dial(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", d.Addr, err)
	}
	if err := c.Login(user, d.Users[user]).Wait(); err != nil {
		c.Close()
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}

// DialTLS connects to the IMAPS port trusting the instance's certificate.
func (d *Dovecot) DialTLS(t testing.TB) *imapclient.Client {
	t.Helper()
	pool := newPool(d.Cert)
	c, err := imapclient.DialTLS(d.TLSAddr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}})
	if err != nil {
		t.Fatalf("dial %s: %v", d.TLSAddr, err)
	}
	return c
}

// Load appends messages to folder (a '/'-separated path, created when
// missing) with their flags and dates, pipelining the APPENDs.
func (d *Dovecot) Load(t testing.TB, user, folder string, msgs []Message) {
	t.Helper()
	c := d.Dial(t, user)
	defer c.Close()
	name := d.Mailbox(folder)
	if name != "INBOX" {
		if err := c.Create(name, nil).Wait(); err != nil {
			if e, ok := err.(*imap.Error); !ok || e.Code != imap.ResponseCodeAlreadyExists {
				t.Fatalf("create %s: %v", name, err)
			}
		}
	}
	const window = 64
	pending := make([]*imapclient.AppendCommand, 0, window)
	flush := func() {
		for _, cmd := range pending {
			if _, err := cmd.Wait(); err != nil {
				t.Fatalf("append to %s: %v", name, err)
			}
		}
		pending = pending[:0]
	}
	for i, m := range msgs {
		if m.File != "" {
			t.Fatalf("message %d is in a file: load it with LoadMaildir", i)
		}
		cmd := c.Append(name, int64(len(m.Raw)), &imap.AppendOptions{Flags: m.Flags, Time: m.Date})
		if _, err := cmd.Write(m.Raw); err != nil {
			t.Fatalf("append %d to %s: %v", i, name, err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("append %d to %s: %v", i, name, err)
		}
		pending = append(pending, cmd)
		if len(pending) == window {
			flush()
		}
	}
	flush()
}

// Count returns the number of messages in folder.
func (d *Dovecot) Count(t testing.TB, user, folder string) int {
	t.Helper()
	c := d.Dial(t, user)
	defer c.Close()
	st, err := c.Status(d.Mailbox(folder), &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("status %s: %v", folder, err)
	}
	return int(*st.NumMessages)
}

// SimpleMessages is n messages built by SimpleMessage, numbered from 0.
func SimpleMessages(n int, subject string) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		msgs[i].Raw = SimpleMessage(i, subject)
	}
	return msgs
}

// SimpleMessage builds a small RFC 5322 message for tests.
func SimpleMessage(i int, subject string) []byte {
	return []byte(fmt.Sprintf("From: Sender <sender@example.test>\r\nTo: alice@example.test\r\nSubject: %s %d\r\nDate: Mon, 06 Jan 2025 08:30:00 +0100\r\nMessage-ID: <%d.%s@example.test>\r\n\r\nBody of message %d.\r\n", subject, i, i, "t", i))
}
