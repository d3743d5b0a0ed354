package domain

import (
	"testing"
	"time"
)

// Zones of a small test internet: a root, the example. TLD, the customer
// shop.example (new MX at Microsoft 365, TTL 300; or old MX at oldhost,
// TTL 86400) and the old host's zone oldhost.example.
const (
	rootZone = `$TTL 86400
. SOA a.root.example. h.root.example. 1 1800 900 604800 86400
. NS a.root.example.
example. NS a.nic.example.
a.nic.example. A 192.0.2.2
`
	tldZone = `$TTL 86400
@ SOA a.nic.example. h.nic.example. 1 1800 900 604800 3600
@ NS a.nic.example.
a.nic A 192.0.2.2
shop 172800 NS ns1.shop.example.
shop 172800 NS ns2.shop.example.
ns1.shop A 192.0.2.10
ns2.shop A 192.0.2.11
oldhost NS ns.oldhost.example.
ns.oldhost A 192.0.2.20
`
	shopHead = `$TTL 3600
@ SOA ns1.shop.example. h.shop.example. 2026010501 7200 900 1209600 300
@ NS ns1.shop.example.
@ NS ns2.shop.example.
ns1 A 192.0.2.10
ns2 A 192.0.2.11
@ TXT "v=spf1 include:spf.protection.outlook.com -all"
_imaps._tcp SRV 0 1 993 imap.oldhost.example.
_imap._tcp SRV 10 1 143 mail.shop.example.
mail A 198.51.100.25
`
	shopNewMX   = shopHead + "@ 300 MX 0 shop-example.mail.protection.outlook.com.\n"
	shopOldMX   = shopHead + "@ 86400 MX 10 mx.oldhost.example.\n"
	oldhostZone = `$TTL 3600
@ SOA ns.oldhost.example. h.oldhost.example. 1 7200 900 1209600 300
@ NS ns.oldhost.example.
ns A 192.0.2.20
mx A 198.51.100.20
imap A 198.51.100.21
`
	newMXHost = "shop-example.mail.protection.outlook.com"
	oldMXHost = "mx.oldhost.example"
)

// testNet is a running test internet on loopback.
type testNet struct {
	cfg     Config
	servers map[string]*fixtureServer // by role: "root", "tld", "ns1", "ns2", "oldhost", "resolver0", …
}

// zoneOf parses a fixture zone or fails the test.
func zoneOf(t *testing.T, origin, text string) *fixtureZone {
	t.Helper()
	z, err := parseZone(origin, text)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// serve starts a fixture server stopped at the end of the test.
func serve(t *testing.T, resolverMode bool, zs ...*fixtureZone) *fixtureServer {
	t.Helper()
	s, err := startFixture(resolverMode, zs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

// startNet starts the test internet: the shop's name servers serve
// authZone; resolver i caches the shop zone resolverZones[i].
func startNet(t *testing.T, authZone string, resolverZones ...string) *testNet {
	t.Helper()
	root, tld, old := zoneOf(t, ".", rootZone), zoneOf(t, "example.", tldZone), zoneOf(t, "oldhost.example.", oldhostZone)
	shop := zoneOf(t, "shop.example.", authZone)
	n := &testNet{servers: map[string]*fixtureServer{}}
	n.servers["root"] = serve(t, false, root)
	n.servers["tld"] = serve(t, false, tld)
	n.servers["ns1"] = serve(t, false, shop)
	n.servers["ns2"] = serve(t, false, shop)
	n.servers["oldhost"] = serve(t, false, old)
	n.cfg = Config{
		Roots:   []string{n.servers["root"].Addr},
		Timeout: 300 * time.Millisecond,
		AddrOverride: map[string]string{
			"192.0.2.2": n.servers["tld"].Addr, "192.0.2.10": n.servers["ns1"].Addr,
			"192.0.2.11": n.servers["ns2"].Addr, "192.0.2.20": n.servers["oldhost"].Addr,
		},
		Resolvers:     []Resolver{},
		RDAPBootstrap: "http://127.0.0.1:1/bootstrap/", // nothing listens there
	}
	for i, text := range resolverZones {
		s := serve(t, true, root, tld, old, zoneOf(t, "shop.example.", text))
		name := "resolver" + string(rune('A'+i))
		n.servers[name] = s
		n.cfg.Resolvers = append(n.cfg.Resolvers, Resolver{Name: name, Addr: s.Addr})
	}
	return n
}
