package domain

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// DemoDomain is the customer domain of the demo fixture.
const DemoDomain = "demo-company.test"

//go:embed demodata
var demoFS embed.FS

// demoServers maps the name servers' documentation addresses (as in the
// demo zones' glue) to the zones they serve.
var demoServers = []struct {
	ip    string
	zones []string
}{
	{"192.0.2.2", []string{"test.", "com."}},
	{"192.0.2.10", []string{DemoDomain + "."}},
	{"192.0.2.11", []string{DemoDomain + "."}},
	{"192.0.2.20", []string{"oldhost.test."}},
	{"192.0.2.30", []string{"outlook.com."}},
}

// StartDemo starts the demo fixture in-process, all on 127.0.0.1: a root
// server, the TLD, the customer's two name servers, the old host's and
// Microsoft's, four "public resolvers" (two still caching the MX from before
// the change), and an RDAP + autoconfig web server. The returned Config
// points every check at them, so `Check` of DemoDomain works offline and
// with no accounts. The demo state is cutover day: MX changed an hour ago,
// backup MX, SPF, Autodiscover and DKIM not yet done, registration expiring
// in 20 days after a transfer 40 days ago. stop (or ctx ending) shuts
// everything down; it is safe to call more than once.
func StartDemo(ctx context.Context) (Config, func(), error) {
	zones := map[string]*fixtureZone{}
	files := map[string]string{".": "root.zone", "test.": "test.zone", "com.": "com.zone", "outlook.com.": "outlook.com.zone",
		"oldhost.test.": "oldhost.test.zone", DemoDomain + ".": "demo-company.test.zone", "old:" + DemoDomain + ".": "demo-company.test.old.zone"}
	for origin, file := range files {
		text, err := demoFS.ReadFile("demodata/" + file)
		if err != nil {
			return Config{}, nil, fmt.Errorf("demo: %w", err)
		}
		z, err := parseZone(strings.TrimPrefix(origin, "old:"), string(text))
		if err != nil {
			return Config{}, nil, fmt.Errorf("demo: %w", err)
		}
		zones[origin] = z
	}
	var stops []func()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			for _, s := range stops {
				s()
			}
		})
	}
	start := func(resolverMode bool, zs ...*fixtureZone) (*fixtureServer, error) {
		s, err := startFixture(resolverMode, zs...)
		if err == nil {
			stops = append(stops, s.close)
		}
		return s, err
	}
	cfg := Config{AddrOverride: map[string]string{}, Timeout: 500 * time.Millisecond}
	root, err := start(false, zones["."])
	if err != nil {
		stop()
		return Config{}, nil, err
	}
	cfg.Roots = []string{root.Addr}
	for _, ds := range demoServers {
		var zs []*fixtureZone
		for _, o := range ds.zones {
			zs = append(zs, zones[o])
		}
		s, err := start(false, zs...)
		if err != nil {
			stop()
			return Config{}, nil, err
		}
		cfg.AddrOverride[ds.ip] = s.Addr
	}
	shared := []*fixtureZone{zones["."], zones["test."], zones["com."], zones["outlook.com."], zones["oldhost.test."]}
	for i, name := range []string{"Demo resolver A", "Demo resolver B", "Demo resolver C", "Demo resolver D"} {
		customer := zones[DemoDomain+"."]
		if i >= 2 {
			customer = zones["old:"+DemoDomain+"."]
		}
		s, err := start(true, append(append([]*fixtureZone{}, shared...), customer)...)
		if err != nil {
			stop()
			return Config{}, nil, err
		}
		cfg.Resolvers = append(cfg.Resolvers, Resolver{Name: name, Addr: s.Addr})
	}
	web := httptest.NewServer(demoWeb(time.Now()))
	stops = append(stops, web.Close)
	cfg.RDAPBootstrap = web.URL + "/bootstrap/"
	cfg.AutoconfigBase = web.URL + "/autoconfig"
	cfg.HTTPClient = web.Client()
	cfg.HTTPClient.Timeout = 2 * time.Second
	go func() {
		<-ctx.Done()
		stop()
	}()
	return cfg, stop, nil
}

// demoWeb serves the IANA-style bootstrap file, the RDAP record of the demo
// domain (dates relative to now) and the old host's autoconfig file.
func demoWeb(now time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/bootstrap/dns.json", func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"version":"1.0","publication":"%s","services":[[["test"],["%s/rdap/"]]]}`, now.UTC().Format(time.RFC3339), base)
	})
	mux.HandleFunc("/rdap/domain/", func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(strings.TrimPrefix(r.URL.Path, "/rdap/domain/"), DemoDomain) {
			http.Error(w, `{"errorCode":404,"title":"not found"}`, http.StatusNotFound)
			return
		}
		body, _ := demoFS.ReadFile("demodata/rdap-domain.json")
		day := 24 * time.Hour
		text := strings.NewReplacer(
			"{{REGISTERED}}", now.Add(-3*365*day).UTC().Format(time.RFC3339),
			"{{TRANSFERRED}}", now.Add(-40*day).UTC().Format(time.RFC3339),
			"{{EXPIRES}}", now.Add(20*day).UTC().Format(time.RFC3339),
		).Replace(string(body))
		w.Header().Set("Content-Type", "application/rdap+json")
		fmt.Fprint(w, text)
	})
	mux.HandleFunc("/autoconfig/mail/config-v1.1.xml", func(w http.ResponseWriter, r *http.Request) {
		body, _ := demoFS.ReadFile("demodata/autoconfig.xml")
		w.Header().Set("Content-Type", "text/xml")
		w.Write(body)
	})
	return mux
}
