package testenv

import (
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// MemServer is go-imap's in-memory server on loopback: fast, for tests
// that do not need Dovecot's behaviour. Its separator is '/'.
type MemServer struct {
	Addr string
	Mem  *imapmemserver.Server
}

// StartMemServer starts an in-memory server with the given users.
func StartMemServer(t testing.TB, users map[string]string) *MemServer {
	t.Helper()
	mem := imapmemserver.New()
	for u, pw := range users {
		mem.AddUser(imapmemserver.NewUser(u, pw))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapSpecialUse: {}, imap.CapUIDPlus: {},
			imap.CapNamespace: {}, imap.CapStatusSize: {}},
		InsecureAuth: true,
		Logger:       quiet{},
	})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &MemServer{Addr: ln.Addr().String(), Mem: mem}
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}
