// Command benchui measures how responsive the window stays while a large
// pull runs underneath it (issue 7's "stays responsive during a
// 10,000-message pull"): the Migration screen is open on a project whose
// old host is a local Dovecot holding the corpus, the pull runs as the GUI
// runs it (app.StartPull, events through the bus), and a probe asks the UI
// goroutine for a turn every 5 ms (through Shell.Do, as every screen
// update does) and times how long each turn took to come.
//
//	go run ./internal/benchui            # 10,000 messages
//	go run ./internal/benchui -n 2000
//
// It prints the pull's rate, how many updates the screens got per second,
// and the probe's latency percentiles. Fyne's test driver stands in for the
// GL window (whose event loop cannot be timed from outside): what it
// measures is the share of the UI goroutine's time the migration's updates
// take, which is what decides whether clicks wait.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"mailshift/app"
	_ "mailshift/internal/clocale" // before Fyne's init: no locale warning under LANG=C
	"mailshift/internal/testenv"
	"mailshift/store"
	"mailshift/views"
)

func main() {
	n := flag.Int("n", 10000, "messages in the old host's mailbox")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "benchui:", err)
		os.Exit(1)
	}
}

var folders = []string{"INBOX", "Sent", "Archive/2023", "Archive/2024"}

func run(n int) error {
	work, err := os.MkdirTemp("", "mailshift-benchui-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	d, err := testenv.Start(testenv.DovecotOptions{MaxUserIPConnections: 20})
	if err != nil {
		return err
	}
	defer d.Stop()
	for i, f := range folders {
		var msgs []testenv.Message
		for j := i; j < n; j += len(folders) {
			msgs = append(msgs, testenv.Message{Raw: testenv.SimpleMessage(j, "bench "+f)})
		}
		if err := d.LoadMaildir(testenv.DefaultUser, f, msgs); err != nil {
			return fmt.Errorf("load %s: %w", f, err)
		}
	}
	ctx := context.Background()
	a, err := app.Open(ctx, work, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	pid, err := project(ctx, a, d)
	if err != nil {
		return err
	}

	test.NewApp()
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1024, 700))
	s := views.NewShell(a, w)
	s.NoKeychain = true
	defer s.Close()
	s.Open("migrate", pid)
	s.WaitIdle()

	events, stop := a.Events.Subscribe(1024)
	defer stop()
	updates := 0
	done := make(chan app.JobInfo, 1)
	go func() {
		for ev := range events {
			if jc, ok := ev.(app.JobChanged); ok && jc.Job.ID == app.PullJobID(pid) {
				updates++
				if st := jc.Job.State; st != app.JobRunning && st != "" {
					done <- jc.Job
					return
				}
			}
		}
	}()
	probeStop := make(chan struct{})
	probed := make(chan []time.Duration)
	go probe(s, probeStop, probed)
	t0 := time.Now()
	if err := a.StartPull(ctx, pid, nil, 4); err != nil {
		return err
	}
	var job app.JobInfo
	select {
	case job = <-done:
	case <-time.After(10 * time.Minute):
		return fmt.Errorf("the pull did not end in 10 minutes")
	}
	wall := time.Since(t0)
	close(probeStop)
	lat := <-probed
	if job.State != app.JobDone {
		return fmt.Errorf("the pull ended %s: %s", job.State, job.Message)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	fmt.Printf("UI responsiveness during a pull of %d messages (%d folders), Fyne test driver:\n", job.Progress.Done, len(folders))
	fmt.Printf("  pull: %v, %.0f messages/s\n", wall.Round(time.Millisecond), float64(job.Progress.Done)/wall.Seconds())
	fmt.Printf("  job updates delivered to screens: %d (%.1f per second; the engine publishes one every %v at most, plus the final one)\n",
		updates, float64(updates)/wall.Seconds(), app.PublishEvery)
	fmt.Printf("  UI turn latency over %d probes: p50 %v, p99 %v, max %v (a click waits at most this long; target: max < 100 ms)\n",
		len(lat), pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}

// probe asks for a UI turn every 5 ms until stop and reports how long each
// took to arrive.
func probe(s *views.Shell, stop <-chan struct{}, out chan<- []time.Duration) {
	var lat []time.Duration
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			out <- lat
			return
		case <-t.C:
			asked := time.Now()
			got := make(chan time.Duration, 1)
			s.Do(func() { got <- time.Since(asked) })
			lat = append(lat, <-got)
		}
	}
}

// project creates a project whose old host is d and one mailbox in it.
func project(ctx context.Context, a *app.App, d *testenv.Dovecot) (string, error) {
	if _, err := a.UnlockSecrets(ctx, []byte("bench passphrase"), false); err != nil {
		return "", err
	}
	host, port, _ := net.SplitHostPort(d.Addr)
	pn, _ := strconv.Atoi(port)
	p, err := a.CreateProject(ctx, app.NewProject{Name: "UI bench", Domain: "bench.test", Profile: "generic", Actor: "bench",
		Source: store.Server{Host: host, Port: pn, Security: store.SecurityPlain, AllowPlaintext: true, MaxConnections: 4}})
	if err != nil {
		return "", err
	}
	err = a.AddMailbox(ctx, p.ID, "bench", store.NewMailbox{
		Mailbox:        store.Mailbox{Email: testenv.DefaultUser + "@bench.test", SourceLogin: testenv.DefaultUser},
		SourcePassword: []byte(testenv.DefaultPassword)})
	return p.ID, err
}
