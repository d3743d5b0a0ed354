// Package sync is Mailshift's IMAP engine: connect and test, inventory,
// pull into the local store, delta, verification (and, built on it, push
// and reconciliation). It is one-way by construction: source folders are
// opened read-only (EXAMINE) and bodies fetched with BODY.PEEK.
//
// go-imap takes no context, so every blocking call here watches ctx in a
// goroutine and closes the connection when ctx ends or a command overruns
// its timeout; that unblocks the pending command.
package sync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strconv"
	gosync "sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/store"
)

// Endpoint is one server login. Password is used for LOGIN / AUTHENTICATE
// PLAIN and never appears in errors or logs.
type Endpoint struct {
	store.Server
	Username string
	Password []byte

	// RootCAs replaces the system roots (tests; a company CA).
	RootCAs *x509.CertPool
	// DialTimeout bounds connect + TLS + greeting; CommandTimeout every
	// command without a literal. Zero means the defaults.
	DialTimeout    time.Duration
	CommandTimeout time.Duration
	// Dial, when set, replaces net.Dialer (fault-injection proxies in tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Trace, when set, receives every command line the client sends, with
	// the password replaced (tests use it to prove the source is never
	// modified).
	Trace func(line string)
	// MaxMessageBytes bounds a whole message read through go-imap (the
	// destination's copies, which the push's recovery and reconciliation
	// compare); zero means 2 GiB, as for the pull. Every other literal of
	// a reply is bounded by maxReplyLiteral (byeTap).
	MaxMessageBytes int64
}

const (
	defaultDialTimeout    = 20 * time.Second
	defaultCommandTimeout = 60 * time.Second
)

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// Conn is a logged-in IMAP connection. A byeTap watches what the server
// sends (in clear, also over TLS and STARTTLS), so a command that fails
// because the server ended the session says what the server said, and one
// whose reply was refused as too large to hold says that (do, doStream).
type Conn struct {
	*imapclient.Client
	ep          Endpoint
	Fingerprint string // SHA-256 of the server certificate ("" without TLS)
	raw         net.Conn
	tap         *byeTap
	closeOnce   gosync.Once
	wire        wireFetch // the bulk FETCH, read without go-imap
}

// Dial connects, secures and logs in. Certificates are verified against
// the system roots unless the endpoint pins a SHA-256 fingerprint, in which
// case exactly that certificate is accepted; a changed pin fails loudly.
func Dial(ctx context.Context, ep Endpoint) (*Conn, error) {
	if ep.Security == store.SecurityPlain && !ep.AllowPlaintext {
		return nil, &ConnError{Kind: KindPlaintext, Server: ep.Addr()}
	}
	conn, err := connect(ctx, ep)
	if err != nil {
		return nil, err
	}
	if err := conn.login(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// connect opens, secures and reads the greeting: everything before a
// password is sent.
func connect(ctx context.Context, ep Endpoint) (*Conn, error) {
	if ep.DialTimeout == 0 {
		ep.DialTimeout = defaultDialTimeout
	}
	if ep.CommandTimeout == 0 {
		ep.CommandTimeout = defaultCommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, ep.DialTimeout)
	defer cancel()
	var fp fingerprint
	raw, err := ep.dialTCP(ctx)
	if err != nil {
		return nil, classify(ep.Addr(), err, "")
	}
	opts := &imapclient.Options{TLSConfig: ep.tlsConfig(&fp)}
	// Closing the socket is how ctx reaches go-imap.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	var secured net.Conn
	switch ep.Security {
	case store.SecurityTLS:
		tconn := tls.Client(raw, opts.TLSConfig)
		if err = tconn.HandshakeContext(ctx); err == nil {
			secured = tconn
		}
	case store.SecuritySTARTTLS:
		secured, err = startTLS(ctx, raw, opts.TLSConfig, ep.Trace)
	default:
		secured = raw
	}
	var c *imapclient.Client
	var tap *byeTap
	var gate *gateConn
	if err == nil {
		tap = newByeTap(secured)
		gate = newGate(traced(tap, ep.Trace))
		c = imapclient.New(gate, opts)
		err = c.WaitGreeting()
	}
	if err != nil && tap != nil && tap.refusal() != nil {
		// A greeting the tap refused (an endless line): go-imap says only
		// that its reader failed.
		raw.Close()
		return nil, &ConnError{Kind: KindTooLarge, Server: ep.Addr(), Err: tap.refusal()}
	}
	if err != nil && tap != nil && tap.bye() != nil {
		// A BYE greeting: go-imap may report only "connection closed
		// before greeting" when the close wins the race; the tap kept
		// the server's words (and any suggested wait).
		err = tap.bye()
	}
	if err != nil {
		raw.Close()
		return nil, ep.tlsError(err, fp.get(), ctx)
	}
	return &Conn{Client: c, ep: ep, Fingerprint: fp.get(), raw: raw, tap: tap, wire: wireFetch{gate: gate}}, nil
}

// dialTCP opens the TCP connection, through ep.Dial when set.
func (ep Endpoint) dialTCP(ctx context.Context) (net.Conn, error) {
	if ep.Dial != nil {
		return ep.Dial(ctx, "tcp", ep.Addr())
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", ep.Addr())
}

// login sends the credentials (AUTHENTICATE PLAIN where LOGIN is
// disabled); a refusal is classified, never showing the password.
func (c *Conn) login(ctx context.Context) error {
	err := c.do(ctx, func() error {
		if c.Caps().Has(imap.CapLoginDisabled) && c.Caps().Has(imap.AuthCap("PLAIN")) {
			return c.Authenticate(plainAuth(c.ep.Username, c.ep.Password))
		}
		return c.Login(c.ep.Username, string(c.ep.Password)).Wait()
	})
	if err != nil {
		return classify(c.ep.Addr(), err, c.Fingerprint)
	}
	return nil
}

// Close closes the connection (without LOGOUT's round trip when broken).
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.Client.Close() })
	return err
}

// ended reports a connection already closed (by the server or by us).
func (c *Conn) ended() bool {
	select {
	case <-c.Client.Closed():
		return true
	default:
		return false
	}
}

// Endpoint is what the connection was made to.
func (c *Conn) Endpoint() Endpoint { return c.ep }

// wholeMessages lets replies carry literals up to the endpoint's message
// size limit until restore is called, for commands that fetch whole
// messages through go-imap: it streams a body section to the caller, so
// memory stays flat whatever the size. Commands on one Conn run one at a
// time, so the raise covers the commands sent meanwhile and no others.
func (c *Conn) wholeMessages() (restore func()) {
	limit := c.ep.MaxMessageBytes
	if limit <= 0 {
		limit = defaultMaxMessageBytes
	}
	return c.tap.bounded(&tapBound{literal: limit, what: "a whole message, up to the message size limit"})
}
