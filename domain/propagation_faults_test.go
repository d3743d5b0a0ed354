package domain

import (
	"testing"
)

// Resolvers whose UDP replies are all truncated (TC) are asked again over
// TCP: they count as seeing the MX they hold, with their TTL, and no
// resolver is reported as not answering.
func TestPropagationTruncatedResolverAnswersOverTCP(t *testing.T) {
	n := startNet(t, shopNewMX, shopNewMX, shopOldMX)
	n.servers["resolverA"].setFault(faultTruncateUDP)
	n.servers["resolverB"].setFault(faultTruncateUDP)
	p, err := NewChecker(n.cfg).Propagation(testCtx(t), PropagationQuery{Domain: "shop.example", Expect: []string{newMXHost}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Summary(), "1 of 2 resolvers and 2 of 2 name servers see the new MX"; got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
}
