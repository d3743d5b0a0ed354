package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Domain is the demo customer's domain.
const Domain = "demo-company.test"

// Users are the demo mailboxes.
var Users = []string{"ann@" + Domain, "bob@" + Domain, "carol@" + Domain}

// Server is one running in-process IMAP server.
type Server struct {
	Addr string // 127.0.0.1:port
	srv  *imapserver.Server
	ln   net.Listener
}

// Demo is the pair of demo servers and the throwaway passwords of this run
// (new on every start; never stored).
type Demo struct {
	Old, New  *Server
	Passwords map[string]string // address -> password, the same on both hosts
}

// Start fills an "old host" with each user's sample mailbox and an empty
// "new host", both on loopback, until Close or ctx ends.
func Start(ctx context.Context) (*Demo, error) {
	d := &Demo{Passwords: map[string]string{}}
	oldMem, newMem := imapmemserver.New(), imapmemserver.New()
	for i, addr := range Users {
		pw := randomPassword()
		d.Passwords[addr] = pw
		ou, nu := imapmemserver.NewUser(addr, pw), imapmemserver.NewUser(addr, pw)
		if err := fill(ou, Mailbox(addr, int64(i+1), 1)); err != nil {
			return nil, fmt.Errorf("fill the demo old host: %w", err)
		}
		if err := nu.Create("INBOX", nil); err != nil {
			return nil, err
		}
		oldMem.AddUser(ou)
		newMem.AddUser(nu)
	}
	var err error
	if d.Old, err = serve(ctx, oldMem); err != nil {
		return nil, err
	}
	if d.New, err = serve(ctx, newMem); err != nil {
		d.Old.Close()
		return nil, err
	}
	return d, nil
}

// Close stops both servers.
func (d *Demo) Close() error {
	return errors.Join(d.Old.Close(), d.New.Close())
}

func randomPassword() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func fill(u *imapmemserver.User, folders []Folder) error {
	for _, f := range folders {
		var opts *imap.CreateOptions
		if f.SpecialUse != "" {
			opts = &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{f.SpecialUse}}
		}
		// Parents first, as a real server would have them.
		parts := strings.Split(f.Name, "/")
		for i := 1; i < len(parts); i++ {
			u.Create(strings.Join(parts[:i], "/"), nil) // exists already: fine
		}
		if err := u.Create(f.Name, opts); err != nil {
			return fmt.Errorf("create %s: %w", f.Name, err)
		}
		for _, m := range f.Messages {
			if _, err := u.Append(f.Name, literal{bytes.NewReader(m.Raw)}, &imap.AppendOptions{Flags: m.Flags, Time: m.Date}); err != nil {
				return fmt.Errorf("append to %s: %w", f.Name, err)
			}
		}
	}
	return nil
}

type literal struct{ *bytes.Reader }

func serve(ctx context.Context, mem *imapmemserver.Server) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start a demo server on loopback: %w", err)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapSpecialUse: {},
			imap.CapUIDPlus: {}, imap.CapNamespace: {}, imap.CapMove: {}, imap.CapStatusSize: {}},
		InsecureAuth: true,      // loopback only, throwaway passwords
		Logger:       discard{}, // no debug output: it would carry passwords
	})
	s := &Server{Addr: ln.Addr().String(), srv: srv, ln: ln}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		s.Close()
	}()
	return s, nil
}

// Close stops the server; safe to call more than once.
func (s *Server) Close() error {
	err := s.srv.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

type discard struct{}

func (discard) Printf(string, ...interface{}) {}

var _ io.Reader = literal{}
