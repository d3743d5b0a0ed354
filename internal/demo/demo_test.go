package demo

import (
	"bytes"
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func TestDemoServersServeTheSampleMailbox(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want := Mailbox(Users[0], 1, 1)
	c, err := imapclient.DialInsecure(d.Old.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(Users[0], d.Passwords[Users[0]]).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, f := range want {
		st, err := c.Status(f.Name, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			t.Fatalf("status %s: %v", f.Name, err)
		}
		if int(*st.NumMessages) != len(f.Messages) {
			t.Errorf("%s: %d messages, want %d", f.Name, *st.NumMessages, len(f.Messages))
		}
	}
	// Bodies come back byte for byte, with dates.
	if _, err := c.Select("Archive/2024", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}, InternalDate: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v", err)
	}
	if !bytes.Equal(msgs[0].BodySection[0].Bytes, want[5].Messages[0].Raw) || !msgs[0].InternalDate.Equal(want[5].Messages[0].Date) {
		t.Error("message 1 of Archive/2024 differs from the generated one")
	}
	// The new host starts empty, and a wrong password is refused.
	n, err := imapclient.DialInsecure(d.New.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.Login(Users[0], "wrong").Wait(); err == nil {
		t.Error("wrong password accepted")
	}
}

func TestCorpusIsDeterministic(t *testing.T) {
	a, b := Mailbox("x@y.test", 7, 1), Mailbox("x@y.test", 7, 1)
	for i := range a {
		for j := range a[i].Messages {
			if !bytes.Equal(a[i].Messages[j].Raw, b[i].Messages[j].Raw) {
				t.Fatalf("%s message %d differs between runs", a[i].Name, j)
			}
		}
	}
}
