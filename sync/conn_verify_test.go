package sync

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// testCA signs server certificates for TLS listeners of the tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailshift test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// leaf signs a server certificate for ip valid from notBefore to notAfter.
func (ca *testCA) leaf(t *testing.T, ip string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: ip},
		NotBefore: notBefore, NotAfter: notAfter, IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsListener serves cert on 127.0.0.1 and only shakes hands: a client
// that verifies the certificate never gets further.
func tlsListener(t *testing.T, cert tls.Certificate) Endpoint {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	n := serveLoopback(t, ln, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if c.(*tls.Conn).Handshake() == nil {
			c.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"))
			c.Read(make([]byte, 512)) // the client hangs up or logs in; either ends the test's use
		}
	})
	return Endpoint{Server: store.Server{Host: "127.0.0.1", Port: n, Security: store.SecurityTLS}, Username: "alice",
		Password: []byte(canaryPassword), DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second}
}

// Without a pin the certificate is checked as any TLS client checks it:
// a chain to a trusted root, the server's name, the dates. A certificate
// that fails one of them is refused with its fingerprint, before the
// password is sent; one that passes all is accepted with no pin.
func TestUnpinnedCertificatesAreVerifiedLikeAnyTLSClient(t *testing.T) {
	ctx := context.Background()
	ca := newTestCA(t)
	now := time.Now()
	for _, c := range []struct {
		name         string
		ip           string
		from, until  time.Time
		trusted      bool
		wantInReason string
	}{
		{"expired", "127.0.0.1", now.Add(-48 * time.Hour), now.Add(-time.Hour), true, "expired"},
		{"not yet valid", "127.0.0.1", now.Add(time.Hour), now.Add(48 * time.Hour), true, "not yet valid"},
		{"another server's name", "192.0.2.7", now.Add(-time.Hour), now.Add(time.Hour), true, "192.0.2.7"},
		{"unknown authority", "127.0.0.1", now.Add(-time.Hour), now.Add(time.Hour), false, "unknown authority"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep := tlsListener(t, ca.leaf(t, c.ip, c.from, c.until))
			if c.trusted {
				ep.RootCAs = ca.pool
			}
			_, err := Dial(ctx, ep)
			var ce *ConnError
			if !errors.As(err, &ce) || ce.Kind != KindTLS || ce.Fingerprint == "" || !strings.Contains(err.Error(), ce.Fingerprint) ||
				!strings.Contains(err.Error(), c.wantInReason) || strings.Contains(err.Error(), canaryPassword) {
				t.Fatalf("got %v, want a TLS failure naming %q and the fingerprint", err, c.wantInReason)
			}
		})
	}

	// A certificate the trusted roots vouch for, valid and for this
	// name: accepted with no pin (here the roots are Dovecot's own
	// certificate, standing for the system's).
	d := testenv.StartDovecot(t, testenv.DovecotOptions{TLS: true, Users: map[string]string{"alice": canaryPassword}})
	ep := endpointFor(d, d.TLSAddr, store.SecurityTLS, "alice")
	ep.RootCAs = x509.NewCertPool()
	cert, err := x509.ParseCertificate(d.Cert.DER)
	if err != nil {
		t.Fatal(err)
	}
	ep.RootCAs.AddCert(cert)
	conn, err := Dial(ctx, ep)
	if err != nil {
		t.Fatalf("a trusted certificate: %v", err)
	}
	conn.Close()
}
