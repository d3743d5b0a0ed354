package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailshift/domain"
)

// Discovery from an address at the demo domain finds the old host through
// the demo's DNS (SRV first) and autoconfig, offers each as a URL the
// new-project form takes, and says plainly why a candidate could not be
// reached; it never hangs and bad input is refused.
func TestDiscoverServersFromAnAddress(t *testing.T) {
	a, err := Open(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	start := time.Now()
	got, findings, err := a.DiscoverServers(ctx, "ann@"+domain.DemoDomain)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].Source != "SRV _imaps._tcp" || got[0].URL != "imaps://imap.oldhost.test:993" {
		t.Fatalf("candidates: %+v", got)
	}
	for _, c := range got {
		if c.Reachable || !strings.Contains(c.Problem, "demo's DNS") {
			t.Fatalf("the demo's fictional host: %+v", c)
		}
	}
	if len(findings) == 0 || findings[0].Check != "discover" || findings[0].Severity != domain.SeverityOK {
		t.Fatalf("findings: %+v", findings)
	}
	if el := time.Since(start); el > 2*reachTimeout {
		t.Fatalf("discovery took %v", el)
	}
	if _, _, err := a.DiscoverServers(ctx, "ann@exa mple!.com"); err == nil || !strings.Contains(err.Error(), "not an e-mail address or domain") {
		t.Fatalf("bad input: %v", err)
	}
}
