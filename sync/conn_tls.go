package sync

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
	gosync "sync"
)

// tlsError classifies a failure of the handshake or greeting: a pin
// mismatch is always named as such (with the fingerprint seen); any other
// failure after ctx ended is a timeout.
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
