package sync

import (
	"context"
	"slices"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// Reachability is what can be learnt of a server without logging in:
// enough to offer a discovered server to the user, or to show its
// certificate to pin, before any password exists.
type Reachability struct {
	Server       string   `json:"server"`      // host:port
	Fingerprint  string   `json:"fingerprint"` // the certificate's SHA-256 ("" without TLS)
	Capabilities []string `json:"capabilities"`
	Plaintext    bool     `json:"plaintext"` // a login here would send the password unencrypted
}

// Reach connects, secures the connection as ep says, reads the greeting
// and the capabilities, and logs out. It never sends a login, so probing
// a server cannot count as a failed login against anyone's account (nor
// trip the host's brute-force blocking). Failures are ConnErrors worded
// for a person; an untrusted certificate's error carries its fingerprint.
func Reach(ctx context.Context, ep Endpoint) (Reachability, error) {
	r := Reachability{Server: ep.Addr(), Plaintext: ep.Security == store.SecurityPlain}
	c, err := connect(ctx, ep)
	if err != nil {
		return r, err
	}
	defer c.Close()
	r.Fingerprint = c.Fingerprint
	var caps imap.CapSet
	if err := c.do(ctx, func() error { caps = c.Caps(); return nil }); err != nil {
		return r, err
	}
	for cp := range caps {
		r.Capabilities = append(r.Capabilities, string(cp))
	}
	slices.Sort(r.Capabilities)
	c.do(ctx, func() error { return c.Logout().Wait() })
	return r, nil
}
