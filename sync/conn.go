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
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
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
	// modified). Not available over STARTTLS.
	Trace func(line string)
}

const (
	defaultDialTimeout    = 20 * time.Second
	defaultCommandTimeout = 60 * time.Second
)

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// Conn is a logged-in IMAP connection.
type Conn struct {
	*imapclient.Client
	ep          Endpoint
	Fingerprint string // SHA-256 of the server certificate ("" without TLS)
	raw         net.Conn
	tap         *byeTap // nil over STARTTLS
	closeOnce   gosync.Once
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
	var c *imapclient.Client
	var tap *byeTap
	switch ep.Security {
	case store.SecurityTLS:
		tconn := tls.Client(raw, opts.TLSConfig)
		if err = tconn.HandshakeContext(ctx); err == nil {
			tap = newByeTap(tconn)
			c = imapclient.New(traced(tap, ep.Trace), opts)
		}
	case store.SecuritySTARTTLS:
		c, err = imapclient.NewStartTLS(raw, opts) // neither traced nor tapped: both would see ciphertext
	default:
		tap = newByeTap(raw)
		c = imapclient.New(traced(tap, ep.Trace), opts)
	}
	if err == nil {
		err = c.WaitGreeting()
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
	return &Conn{Client: c, ep: ep, Fingerprint: fp.get(), raw: raw, tap: tap}, nil
}

func (ep Endpoint) dialTCP(ctx context.Context) (net.Conn, error) {
	if ep.Dial != nil {
		return ep.Dial(ctx, "tcp", ep.Addr())
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", ep.Addr())
}

func (ep Endpoint) tlsError(err error, fp string, ctx context.Context) error {
	if ctx.Err() != nil && !errors.Is(err, errPinMismatch) {
		return classify(ep.Addr(), context.DeadlineExceeded, fp)
	}
	if errors.Is(err, errPinMismatch) {
		return &ConnError{Kind: KindPinMismatch, Server: ep.Addr(), Fingerprint: fp, Err: err}
	}
	return classify(ep.Addr(), err, fp)
}

var errPinMismatch = errors.New("certificate does not match the pinned fingerprint")

// fingerprint records the certificate seen during the handshake.
type fingerprint struct {
	mu sync0
	v  string
}

type sync0 = gosync.Mutex

func (f *fingerprint) set(v string) { f.mu.Lock(); f.v = v; f.mu.Unlock() }
func (f *fingerprint) get() string  { f.mu.Lock(); defer f.mu.Unlock(); return f.v }

// Fingerprint formats a certificate's SHA-256 as users compare and pin it.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func normalizePin(p string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(p))
}

// tlsConfig verifies the chain and name itself (so that it can report the
// fingerprint on failure), or accepts exactly the pinned certificate.
func (ep Endpoint) tlsConfig(fp *fingerprint) *tls.Config {
	return &tls.Config{
		ServerName:         ep.Host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyConnection below, never skipped
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			leaf := cs.PeerCertificates[0]
			fp.set(Fingerprint(leaf.Raw))
			if pin := normalizePin(ep.PinSHA256); pin != "" {
				if pin != fp.get() {
					return errPinMismatch
				}
				return nil
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := leaf.Verify(x509.VerifyOptions{DNSName: ep.Host, Roots: ep.RootCAs, Intermediates: inter})
			return err
		},
	}
}

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

// do runs one blocking command under ctx and the command timeout: when
// either ends first, the connection is closed, which fails the command.
func (c *Conn) do(ctx context.Context, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, c.ep.CommandTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err := f()
	if !stop() && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return classify(c.ep.Addr(), fmt.Errorf("%w: command took longer than %v", context.DeadlineExceeded, c.ep.CommandTimeout), "")
		}
		return ctx.Err()
	}
	return c.withBye(err)
}

// withBye returns err, or when the server ended the session with an
// untagged BYE, a ConnError carrying the BYE's words (a throttling
// server's suggested wait is in them) that wraps err.
func (c *Conn) withBye(err error) error {
	if err == nil || c.tap == nil {
		return err
	}
	if bye := c.tap.bye(); bye != nil {
		return byeError(c.ep.Addr(), bye, err)
	}
	return err
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

// doStream runs a long command (a FETCH of many bodies) under ctx with an
// inactivity timeout: f calls touch whenever data arrives, and only a
// command silent for longer than the command timeout is cut.
func (c *Conn) doStream(ctx context.Context, f func(touch func()) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu gosync.Mutex
	last := time.Now()
	touch := func() { mu.Lock(); last = time.Now(); mu.Unlock() }
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		t := time.NewTicker(c.ep.CommandTimeout / 4)
		defer t.Stop()
		for {
			select {
			case <-stopped:
				return
			case <-ctx.Done():
				select {
				case <-stopped: // the command ended first (its deferred cancel came after): nothing to cut
				default:
					c.Close()
				}
				return
			case <-t.C:
				mu.Lock()
				idle := time.Since(last)
				mu.Unlock()
				if idle > c.ep.CommandTimeout {
					cancel(errStalled)
				}
			}
		}
	}()
	err := f(touch)
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		if errors.Is(cause, errStalled) {
			return classify(c.ep.Addr(), fmt.Errorf("%w: no data for %v", context.DeadlineExceeded, c.ep.CommandTimeout), "")
		}
		return cause
	}
	return c.withBye(err)
}

var errStalled = errors.New("stalled")
