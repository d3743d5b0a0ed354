package domain

import (
	"errors"
	"testing"
	"time"
)

// Resolver lists from people: names, ports and IPv6; anything else is an InputError.
func TestParseResolvers(t *testing.T) {
	rs, err := ParseResolvers(" 1.1.1.1, office=192.0.2.53:5353 ,[2001:db8::1]:53,")
	if err != nil {
		t.Fatal(err)
	}
	want := []Resolver{{"1.1.1.1", "1.1.1.1:53"}, {"office", "192.0.2.53:5353"}, {"2001:db8::1", "[2001:db8::1]:53"}}
	if len(rs) != len(want) {
		t.Fatalf("%+v", rs)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("resolver %d: %+v, want %+v", i, rs[i], want[i])
		}
	}
	for _, bad := range []string{"", " , ", "dns.google", "1.1.1.1:x:y", "name=not-an-ip"} {
		var ie *InputError
		if _, err := ParseResolvers(bad); !errors.As(err, &ie) {
			t.Errorf("%q: want an InputError, got %v", bad, err)
		}
	}
}

// The zero Config is usable: public defaults, 2s timeout, one retry; an
// explicitly empty resolver list stays empty (tests and offline use).
func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if len(c.Roots) != 13 || len(c.Resolvers) != len(DefaultResolvers) || c.Timeout != 2*time.Second || c.Retries != 1 ||
		c.RDAPBootstrap != DefaultRDAPBootstrap || c.HTTPClient == nil || c.Now == nil || c.After == nil {
		t.Fatalf("defaults: %+v", c)
	}
	c = Config{Resolvers: []Resolver{}, Retries: -1, AddrOverride: map[string]string{"192.0.2.1": "127.0.0.1:5300"}}.withDefaults()
	if len(c.Resolvers) != 0 || c.Retries != 0 {
		t.Fatalf("explicit values: %+v", c)
	}
	if got := c.dialAddr("192.0.2.1"); got != "127.0.0.1:5300" {
		t.Fatalf("override: %s", got)
	}
	if got := c.dialAddr("2001:db8::1"); got != "[2001:db8::1]:53" {
		t.Fatalf("IPv6 without override: %s", got)
	}
}
