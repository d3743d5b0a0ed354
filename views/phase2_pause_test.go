package views

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"mailshift/app"
)

// slowOldHost puts an in-process toxiproxy limited to rate KB/s between
// the demo project and its old host, and returns the proxy.
func slowOldHost(t *testing.T, a *app.App, projectID string, rate int) *toxiproxy.Proxy {
	t.Helper()
	p, err := a.Project(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	zerolog.SetGlobalLevel(zerolog.Disabled) // the toxics log through the global logger
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	px := toxiproxy.NewProxy(srv, "old-host", "127.0.0.1:0", net.JoinHostPort(p.Source.Host, strconv.Itoa(p.Source.Port)))
	if err := px.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(px.Stop)
	_, port, _ := net.SplitHostPort(px.Listen)
	p.Source.Port, _ = strconv.Atoi(port)
	if _, err := a.UpdateSettings(context.Background(), projectID, "test", app.ProjectSettings{Domain: p.Domain, Source: p.Source,
		Destination: p.Destination, CutoverAt: p.CutoverAt}); err != nil {
		t.Fatal(err)
	}
	if _, err := px.Toxics.AddToxicJson(strings.NewReader(`{"name":"slow","type":"bandwidth","stream":"downstream","attributes":{"rate":` + strconv.Itoa(rate) + `}}`)); err != nil {
		t.Fatal(err)
	}
	return px
}

// Pause and Resume from the dashboard: a pull slowed by a proxy is paused
// part way (Resume is offered; a mailbox with an inventory shows its
// progress against the source's total, one without says its total is so
// far), then resumed to the end with every row complete.
func TestPhase2PauseAndResumeAPull(t *testing.T) {
	s, a, p, m := openDemoMigrate(t)
	const ann, bob = "ann@demo-company.test", "bob@demo-company.test"
	info, err := a.Inventory(context.Background(), p.ID, ann)
	if err != nil {
		t.Fatal(err)
	}
	annTotal, _ := info.Totals()
	px := slowOldHost(t, a, p.ID, 100) // 1.4 MB at 100 KB/s: about 14 s
	d := m.Dashboard
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		if !m.WaitFor(jobWait, cond) {
			t.Fatalf("%s: not within %s: %q %q %v", what, jobWait, d.JobState.Text, d.JobCounts.Text, d.Rows())
		}
	}
	tap(s, d.Pull)
	waitUntil("some messages copied", func() bool {
		j := d.CurrentJob()
		return j.State == app.JobRunning && j.Progress.Done > 0 && !d.Pause.Disabled()
	})
	t.Logf("running %s", time.Now().Format("05.000"))
	tap(s, d.Pause)
	waitUntil("paused", func() bool { return d.CurrentJob().State == app.JobPaused })
	s.WaitIdle()
	if d.Resume.Disabled() || !d.Pause.Disabled() || !d.Stop.Disabled() || !strings.HasPrefix(d.JobState.Text, "Pull paused") {
		t.Fatalf("paused: %q resume enabled %v", d.JobState.Text, !d.Resume.Disabled())
	}
	done := 0
	for _, r := range d.rows {
		done += r.done
	}
	rows := d.Rows()
	if done == 0 || rows[0][0] != ann || rows[1][0] != bob || !strings.HasSuffix(rows[0][3], fmt.Sprintf(" / %d", annTotal)) ||
		d.Progress(ann) < 0 || d.Progress(ann) >= 1 || !strings.HasSuffix(rows[1][3], " so far") || rows[1][2] != "counting folders" || (d.rows[0].done > 0) != (rows[0][1] == "partly copied") {
		t.Fatalf("paused with %d messages in the rows: %q", done, rows)
	}
	if err := px.Toxics.RemoveToxic(context.Background(), "slow"); err != nil {
		t.Fatal(err)
	}
	t.Logf("paused %s", time.Now().Format("05.000"))
	tap(s, d.Resume)
	waitUntil("resumed to the end", func() bool { return d.CurrentJob().State == app.JobDone })
	s.WaitIdle()
	t.Logf("done %s", time.Now().Format("05.000"))
	final := 0
	for _, r := range d.rows {
		if r.done != r.total || r.total == 0 || r.partial {
			t.Fatalf("after resuming: %+v", r)
		}
		final += r.total
	}
	if done >= final {
		t.Fatalf("paused at %d of %d: not part way", done, final)
	}
}
