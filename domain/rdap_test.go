package domain

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var rdapNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// rdapDoc is an RDAP domain object with the given statuses and events
// (action -> date); nameservers ns1/ns2 at dnshost.example.
func rdapDoc(name string, status []string, events map[string]time.Time) string {
	var ev []string
	for a, d := range events {
		ev = append(ev, fmt.Sprintf(`{"eventAction":%q,"eventDate":%q}`, a, d.Format(time.RFC3339)))
	}
	st := `"active"`
	if len(status) > 0 {
		st = `"` + strings.Join(status, `","`) + `"`
	}
	return fmt.Sprintf(`{"objectClassName":"domain","rdapConformance":["rdap_level_0"],"ldhName":%q,"status":[%s],
"entities":[{"objectClassName":"entity","handle":"42","roles":["registrar"],"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Test Registrar"]]]}],
"events":[%s],
"nameservers":[{"objectClassName":"nameserver","ldhName":"ns1.dnshost.example"},{"objectClassName":"nameserver","ldhName":"ns2.dnshost.example"}]}`,
		name, st, strings.Join(ev, ","))
}

// rdapServer serves an IANA-style bootstrap for .example and the RDAP
// documents in docs (by domain name); unknown names are 404. A name
// mapped to "hang" answers only when the client gives up.
func rdapServer(t *testing.T, docs map[string]string) Config {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/bootstrap/dns.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"version":"1.0","publication":"2026-01-01T00:00:00Z","services":[[["example"],["http://%s/rdap/"]]]}`, r.Host)
	})
	mux.HandleFunc("/rdap/domain/", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[strings.TrimPrefix(r.URL.Path, "/rdap/domain/")]
		switch {
		case !ok:
			http.Error(w, `{"errorCode":404,"title":"not found"}`, http.StatusNotFound)
		case doc == "hang":
			<-r.Context().Done()
		default:
			w.Header().Set("Content-Type", "application/rdap+json")
			fmt.Fprint(w, doc)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return Config{RDAPBootstrap: srv.URL + "/bootstrap/", HTTPClient: srv.Client(), Timeout: 300 * time.Millisecond,
		Now: func() time.Time { return rdapNow }, Roots: []string{"127.0.0.1:1"}, Resolvers: []Resolver{}}
}

// registrationFindings runs the registration check for name with the cutover a week away.
func registrationFindings(t *testing.T, cfg Config, name string) []Finding {
	t.Helper()
	rn := &run{cfg: cfg.withDefaults(), domain: name, now: rdapNow, req: Request{Domain: name, Cutover: rdapNow.Add(7 * 24 * time.Hour)}}
	return rn.checkRegistration(context.Background(), nil)
}

func hasFinding(fs []Finding, check string, sev Severity) bool {
	for _, f := range fs {
		if f.Check == check && f.Severity == sev {
			return true
		}
	}
	return false
}

// Every status that freezes or removes the domain is a blocker, whatever
// way the registry spells it; expiry within 30 days of the cutover too;
// a transfer or registrant change in the last 60 days is a warning.
func TestRegistrationStatusesThroughRDAP(t *testing.T) {
	day := 24 * time.Hour
	far := map[string]time.Time{"registration": rdapNow.Add(-900 * day), "expiration": rdapNow.Add(300 * day)}
	with := func(extra map[string]time.Time) map[string]time.Time {
		m := map[string]time.Time{}
		for k, v := range far {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		status []string
		events map[string]time.Time
		check  string
		sev    Severity
	}{
		{"pt.example", []string{"pending transfer"}, far, "rdap.status", SeverityBlocker},
		{"cup.example", []string{"client update prohibited"}, far, "rdap.status", SeverityBlocker},
		{"sup.example", []string{"serverUpdateProhibited"}, far, "rdap.status", SeverityBlocker},
		{"ch.example", []string{"client hold"}, far, "rdap.status", SeverityBlocker},
		{"sh.example", []string{"server hold"}, far, "rdap.status", SeverityBlocker},
		{"rp.example", []string{"redemption period"}, far, "rdap.status", SeverityBlocker},
		{"pd.example", []string{"pending delete"}, far, "rdap.status", SeverityBlocker},
		{"exp.example", nil, with(map[string]time.Time{"expiration": rdapNow.Add(20 * day)}), "rdap.expiry", SeverityBlocker},
		{"gone.example", nil, with(map[string]time.Time{"expiration": rdapNow.Add(-day)}), "rdap.expiry", SeverityBlocker},
		{"tr.example", nil, with(map[string]time.Time{"transfer": rdapNow.Add(-40 * day)}), "rdap.recent", SeverityWarning},
		{"rc.example", nil, with(map[string]time.Time{"registrant change": rdapNow.Add(-10 * day)}), "rdap.recent", SeverityWarning},
		{"fine.example", []string{"client transfer prohibited"}, with(map[string]time.Time{"transfer": rdapNow.Add(-90 * day)}), "rdap", SeverityOK},
	}
	docs := map[string]string{}
	for _, c := range cases {
		docs[c.name] = rdapDoc(c.name, c.status, c.events)
	}
	cfg := rdapServer(t, docs)
	for _, c := range cases {
		fs := registrationFindings(t, cfg, c.name)
		if !hasFinding(fs, c.check, c.sev) {
			t.Errorf("%s: want a %s %s finding, got %+v", c.name, c.sev, c.check, fs)
		}
		if c.sev == SeverityOK && len(fs) != 1 {
			t.Errorf("%s: a registration in order gives one ok finding, got %+v", c.name, fs)
		}
		for _, f := range fs {
			if f.Severity != SeverityOK && (f.Action == "" || len(f.Evidence) == 0) {
				t.Errorf("%s: finding %s without action or evidence", c.name, f.Check)
			}
		}
	}
	// An owner change shows as the registrant contact's "last changed" event.
	owner := strings.Replace(rdapDoc("owner.example", nil, far), `"entities":[`,
		fmt.Sprintf(`"entities":[{"objectClassName":"entity","roles":["registrant"],"events":[{"eventAction":"last changed","eventDate":%q}]},`,
			rdapNow.Add(-5*day).Format(time.RFC3339)), 1)
	ownerCfg := rdapServer(t, map[string]string{"owner.example": owner})
	if fs := registrationFindings(t, ownerCfg, "owner.example"); !hasFinding(fs, "rdap.recent", SeverityWarning) {
		t.Errorf("registrant changed 5 days ago: %+v", fs)
	}
	reg, err := NewChecker(cfg).Registration(context.Background(), "mail.tr.example")
	if err != nil || reg.Domain != "tr.example" || reg.Registrar != "Test Registrar" || len(reg.Nameservers) != 2 || reg.Expires.IsZero() {
		t.Fatalf("registration of a subdomain looks up the registered domain: %+v %v", reg, err)
	}
}

// Expiry 40 days after a cutover a week away is fine; the window is 30 days.
func TestRegistrationExpiryWindowIsThirtyDaysFromTheCutover(t *testing.T) {
	reg := Registration{Domain: "x.example", Expires: rdapNow.Add(7*24*time.Hour + 31*24*time.Hour)}
	if fs := RegistrationFindings(reg, rdapNow, rdapNow.Add(7*24*time.Hour)); hasFinding(fs, "rdap.expiry", SeverityBlocker) {
		t.Fatalf("31 days after the cutover is outside the window: %+v", fs)
	}
	reg.Expires = rdapNow.Add(7*24*time.Hour + 29*24*time.Hour)
	if fs := RegistrationFindings(reg, rdapNow, rdapNow.Add(7*24*time.Hour)); !hasFinding(fs, "rdap.expiry", SeverityBlocker) {
		t.Fatalf("29 days after the cutover is inside the window: %+v", fs)
	}
}

// A malformed document, an unknown domain, a TLD with no RDAP and a
// server that never answers each become a finding that says so — within
// the configured timeout.
func TestRegistrationBadAnswers(t *testing.T) {
	cfg := rdapServer(t, map[string]string{
		"bad.example":  `{"objectClassName":"domain","ldhName":`,
		"slow.example": "hang",
	})
	if fs := registrationFindings(t, cfg, "bad.example"); !hasFinding(fs, "rdap", SeverityWarning) || !strings.Contains(fs[0].Summary, "unusable") {
		t.Fatalf("malformed RDAP JSON: %+v", fs)
	}
	if fs := registrationFindings(t, cfg, "unknown.example"); !hasFinding(fs, "rdap", SeverityWarning) || !strings.Contains(fs[0].Summary, "no record") {
		t.Fatalf("404: %+v", fs)
	}
	if fs := registrationFindings(t, cfg, "shop.nordap"); !hasFinding(fs, "rdap", SeverityInfo) {
		t.Fatalf("TLD without RDAP: %+v", fs)
	}
	start := time.Now()
	fs := registrationFindings(t, cfg, "slow.example")
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("an RDAP server that never answers held the check %v (timeout 300ms)", d)
	}
	if !hasFinding(fs, "rdap", SeverityNotRun) {
		t.Fatalf("RDAP timeout: %+v", fs)
	}
	if _, err := ParseRegistration([]byte(`[1,2`)); err == nil {
		t.Fatal("ParseRegistration of malformed JSON must fail")
	}
}
