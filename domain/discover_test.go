package domain

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const autoconfigDoc = `<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="oldhost.example">
 <incomingServer type="imap"><hostname>imap.%EMAILDOMAIN%</hostname><port>993</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
 <incomingServer type="pop3"><hostname>pop.oldhost.example</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
 <incomingServer type="imap"><hostname>bad host!</hostname><port>143</port></incomingServer>
</emailProvider></clientConfig>`

// autoconfigAt serves body at /mail/config-v1.1.xml (status 404 when empty)
// and records the address asked for.
func autoconfigAt(t *testing.T, cfg *Config, body string, asked *string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked != nil {
			*asked = r.URL.Query().Get("emailaddress")
		}
		if body == "" || r.URL.Path != "/mail/config-v1.1.xml" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	cfg.AutoconfigBase, cfg.HTTPClient = srv.URL, srv.Client()
}

// SRV records (RFC 6186), the autoconfig file and MX-based guesses are all
// offered, in that order, with where each came from.
func TestDiscoverIMAPFromSRVAutoconfigAndMX(t *testing.T) {
	n := startNet(t, shopOldMX)
	var asked string
	autoconfigAt(t, &n.cfg, autoconfigDoc, &asked)
	cs, fs, err := NewChecker(n.cfg).DiscoverIMAP(testCtx(t), "anna@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	want := []ServerCandidate{
		{Host: "imap.oldhost.example", Port: 993, Security: "tls", Source: "SRV _imaps._tcp"},
		{Host: "mail.shop.example", Port: 143, Security: "starttls", Source: "SRV _imap._tcp"},
		{Host: "imap.shop.example", Port: 993, Security: "tls", Source: "autoconfig", Username: "%EMAILADDRESS%"},
		{Host: "mx.oldhost.example", Port: 993, Security: "tls", Source: "MX guess"},
		{Host: "mail.shop.example", Port: 993, Security: "tls", Source: "name guess"},
	}
	if fmt.Sprint(cs) != fmt.Sprint(want) {
		t.Fatalf("candidates\n got %+v\nwant %+v", cs, want)
	}
	if asked != "anna@shop.example" {
		t.Fatalf("autoconfig asked for %q", asked)
	}
	if fs[0].Check != "discover" || fs[0].Severity != SeverityOK || len(fs[0].Evidence) != len(want) {
		t.Fatalf("findings: %+v", fs)
	}
}

// With no SRV and no autoconfig file, names that resolve are still offered:
// imap.<provider of the MX> and the MX host; a missing file is information.
func TestDiscoverIMAPGuessesFromTheMX(t *testing.T) {
	noSRV := strings.NewReplacer("_imaps._tcp SRV 0 1 993 imap.oldhost.example.\n", "", "_imap._tcp SRV 10 1 143 mail.shop.example.\n", "").Replace(shopOldMX)
	n := startNet(t, noSRV)
	autoconfigAt(t, &n.cfg, "", nil)
	cs, fs, err := NewChecker(n.cfg).DiscoverIMAP(testCtx(t), "shop.example")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cs {
		got[c.Host] = c.Source
	}
	if got["imap.oldhost.example"] != "MX guess" || got["mx.oldhost.example"] != "MX guess" || got["mail.shop.example"] != "name guess" || len(cs) != 3 {
		t.Fatalf("guesses: %+v (mail.oldhost.example and imap.shop.example do not resolve)", cs)
	}
	if !hasFinding(fs, "discover.autoconfig", SeverityInfo) {
		t.Fatalf("a missing autoconfig file is reported: %+v", fs)
	}
}

// Autoconfig parsing keeps only usable IMAP servers; bad input is an error.
func TestParseAutoconfig(t *testing.T) {
	cs, err := ParseAutoconfig([]byte(autoconfigDoc), "shop.example")
	if err != nil || len(cs) != 1 || cs[0].Host != "imap.shop.example" {
		t.Fatalf("%+v %v", cs, err)
	}
	for _, bad := range []string{"<clientConfig", `<clientConfig version="1.1"><emailProvider/></clientConfig>`} {
		if _, err := ParseAutoconfig([]byte(bad), "shop.example"); err == nil {
			t.Errorf("%q must be an error", bad)
		}
	}
	if _, _, err := NewChecker(Config{}).DiscoverIMAP(testCtx(t), "anna@bad_domain!"); err == nil {
		t.Fatal("an invalid domain is an input error")
	}
}

// The admin says they will edit DNS at another provider than the one
// serving the zone: a warning naming both.
func TestCheckWarnsWhenNameServersAreNotAtTheNamedProvider(t *testing.T) {
	n := startNet(t, shopNewMX, shopNewMX)
	rep, err := NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365", DNSProvider: "cloudflare.com"})
	if err != nil {
		t.Fatal(err)
	}
	if f := findingOf(t, rep, "ns.provider"); f.Severity != SeverityWarning || !strings.Contains(f.Summary, "cloudflare.com") || !strings.Contains(f.Summary, "ns1.shop.example") {
		t.Fatalf("ns.provider: %+v", f)
	}
	rep, err = NewChecker(n.cfg).Check(testCtx(t), Request{Domain: "shop.example", Profile: "m365", DNSProvider: "shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Check == "ns.provider" {
			t.Fatalf("name servers at the named provider: %+v", f)
		}
	}
}
