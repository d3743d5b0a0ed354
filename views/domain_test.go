package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/domain"
)

// shownLabels are the texts of the labels painted in the window now.
func shownLabels(s *Shell) map[string]bool {
	s.Window.Canvas().Capture()
	out := map[string]bool{}
	for _, o := range test.LaidOutObjects(s.Window.Content()) {
		if l, ok := o.(*widget.Label); ok && l.Visible() {
			out[l.Text] = true
		}
	}
	return out
}

// stepsText reads the checklist label on the UI goroutine.
func stepsText(s *Shell, d *DomainScreen) (text string) {
	s.Do(func() { text = d.Steps.Text })
	return text
}

func openDomainScreen(s *Shell, projectID string) *DomainScreen {
	d := NewDomainScreen(s, projectID)
	s.Show(d) // the lead registers it as "domain"; Show needs no table entry
	s.WaitIdle()
	return d
}

// The demo domain's pre-flight: the expiring registration is the first
// finding with what to do, the records list the MX change, the TTL advice
// and the phase's steps follow, and a second check is compared with the
// first.
func TestDomainScreenShowsTheDemoBlockerFirst(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// The demo's registration expires 20 days after the demo started.
	demoExpiry := time.Now().UTC().Add(20 * 24 * time.Hour).Format("2006-01-02")
	// Never checked before: opening the screen runs the check by itself.
	d := openDomainScreen(s, p.ID)
	s.WaitIdle()
	if hist, _ := a.DomainHistory(ctx, p.ID); len(hist) != 1 {
		t.Fatalf("opening an unchecked domain ran %d check(s), want 1", len(hist))
	}
	fs := d.ShownFindings()
	if len(fs) == 0 || fs[0].Check != "rdap.expiry" || fs[0].Severity != domain.SeverityBlocker {
		t.Fatalf("first finding %+v (status %q)", fs, d.Status.Text)
	}
	sev, summary, action := d.FindingRow(0)
	if sev != "BLOCKER" || !strings.Contains(summary, "expires") || !strings.Contains(action, "What to do: Renew the domain before the cutover") {
		t.Fatalf("first row: %q %q %q", sev, summary, action)
	}
	rank := map[domain.Severity]int{domain.SeverityBlocker: 0, domain.SeverityWarning: 1, domain.SeverityNotRun: 2, domain.SeverityInfo: 3, domain.SeverityOK: 4}
	for i := 1; i < len(fs); i++ {
		if rank[fs[i-1].Severity] > rank[fs[i].Severity] {
			t.Fatalf("finding %d (%s) after %s: not blockers first", i, fs[i].Severity, fs[i-1].Severity)
		}
	}
	// The most urgent finding is on show in full, its evidence folded.
	if d.Detail.Summary.Text != fs[0].Summary || !strings.Contains(d.Detail.Action.Text, "Renew") ||
		d.Detail.Evidence.Hidden || d.Detail.Evidence.Items[0].Open || d.Detail.Evidence.Items[0].Title != "Evidence (4)" ||
		!strings.Contains(d.Detail.EvidenceText(), "expiration: "+demoExpiry) {
		t.Fatalf("detail: %q / %q / %q / %q", d.Detail.Summary.Text, d.Detail.Action.Text, d.Detail.Evidence.Items[0].Title, d.Detail.EvidenceText())
	}
	if !strings.HasPrefix(d.Status.Text, "1 blocker(s)") || !strings.Contains(d.Status.Text, "must wait") {
		t.Fatalf("status %q", d.Status.Text)
	}

	// Records: the demo is mid-cutover, so the MX change left is removing
	// the old host's backup MX; the SPF change carries the new include.
	mx, spf := -1, -1
	for i, c := range d.ShownRecords() {
		switch c.Type {
		case "MX":
			mx = i
		case "TXT":
			spf = i
		}
	}
	if mx < 0 || spf < 0 {
		t.Fatalf("records %+v", d.ShownRecords())
	}
	if op, where, value := d.RecordRow(mx); op != "remove MX" || !strings.HasPrefix(where, domain.DemoDomain) || value != "remove: 20 mx2.oldhost.test." {
		t.Fatalf("MX row: %q %q %q", op, where, value)
	}
	d.CopyRecord(spf)
	if got := fyne.CurrentApp().Clipboard().Content(); !strings.Contains(got, "include:spf.protection.outlook.com") || got != d.Copied() {
		t.Fatalf("copied %q", got)
	}
	if !strings.Contains(d.RecordsNote.Text, "change(s) at the DNS host of "+domain.DemoDomain) {
		t.Fatalf("records note %q", d.RecordsNote.Text)
	}
	// As painted: the findings list's first row, then a row's own Copy button.
	if labels := shownLabels(s); !labels["BLOCKER"] || !labels[fs[0].Summary] {
		t.Fatal("the painted findings list does not show the blocker")
	}
	d.Tabs.SelectIndex(1)
	s.Window.Canvas().Capture()
	var copyButtons []*widget.Button
	for _, o := range test.LaidOutObjects(s.Window.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Copy" && b.Visible() {
			copyButtons = append(copyButtons, b)
		}
	}
	if len(copyButtons) != len(d.ShownRecords()) {
		t.Fatalf("%d copy buttons for %d records", len(copyButtons), len(d.ShownRecords()))
	}
	test.Tap(copyButtons[0])
	if _, _, v := d.RecordRow(0); fyne.CurrentApp().Clipboard().Content() != strings.TrimPrefix(v, "remove: ") || !strings.HasPrefix(s.StatusText(), "Copied the ") {
		t.Fatalf("first row's Copy put %q on the clipboard (row shows %q), status %q", fyne.CurrentApp().Clipboard().Content(), v, s.StatusText())
	}
	d.Tabs.SelectIndex(2)
	s.Window.Canvas().Capture()
	d.Tabs.SelectIndex(0)

	// TTL advice, the earliest safe flip and the phase's steps with owners.
	if !strings.Contains(d.TTLAdvice.Text, "The MX TTL is 5 minutes") || !strings.Contains(d.EarliestFlip.Text, "any time") || !strings.Contains(d.EarliestFlip.Text, "MX TTL 300 s") {
		t.Fatalf("ttl %q / flip %q", d.TTLAdvice.Text, d.EarliestFlip.Text)
	}
	if !strings.Contains(d.Steps.Text, "⚠  Domain pre-flight") || !strings.Contains(d.Steps.Text, "Provider · blocked by a failing check") ||
		!strings.Contains(d.Steps.Text, "○  Agree terms") || !strings.Contains(d.Steps.Text, "Everyone · to do") || !strings.Contains(d.Steps.Text, "✔  Lower the MX TTL") {
		t.Fatalf("steps %q", d.Steps.Text)
	}
	if !strings.Contains(d.LastCheck.Text, "No earlier check") {
		t.Fatalf("history after one check %q", d.LastCheck.Text)
	}
	// A step ticked elsewhere (the plan screen) shows here as it happens.
	if _, err := a.Tick(ctx, p.ID, "agree-terms", "Tess Tester", "", ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stepsText(s, d), "✔  Agree terms, plan the migration, pick a cutover date — Everyone · done by Tess Tester") {
		if time.Now().After(deadline) {
			t.Fatalf("the tick did not reach the screen: %q", stepsText(s, d))
		}
		time.Sleep(10 * time.Millisecond) // waiting for the event, bounded
	}

	// A second check: the previous one is shown with the comparison.
	test.Tap(d.CheckNow)
	s.WaitIdle()
	if !strings.Contains(d.LastCheck.Text, "Previous: ") || !strings.Contains(d.LastCheck.Text, "(1 blocker(s), ") || !strings.Contains(d.LastCheck.Text, "No problem fixed or added") {
		t.Fatalf("history after two checks %q", d.LastCheck.Text)
	}
	// Coming back to the screen shows the kept check without running one.
	d2 := openDomainScreen(s, p.ID)
	if len(d2.ShownFindings()) != len(fs) || d2.ShownFindings()[0].Check != "rdap.expiry" || !strings.Contains(d2.LastCheck.Text, "Previous: ") {
		t.Fatalf("reopened: %d findings, %q", len(d2.ShownFindings()), d2.LastCheck.Text)
	}
	// The records the last check read are on show too (kept with the
	// check: no second DNS run), the same as on the first screen.
	if len(d2.ShownRecords()) != len(d.ShownRecords()) || !strings.Contains(d2.RecordsNote.Text, "change(s) at the DNS host of "+domain.DemoDomain) {
		t.Fatalf("records on the reopened screen: %d (want %d), %q", len(d2.ShownRecords()), len(d.ShownRecords()), d2.RecordsNote.Text)
	}
}

// Offline, every check shows as not run — never as passed — and nothing
// is proven: no safe flip time, no records, the pre-flight step untouched.
func TestDomainScreenOfflineShowsNotRun(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	p, err := a.CreateProject(context.Background(), app.NewProject{Name: "Acme", Domain: "acme.example", Profile: "m365", CutoverAt: time.Now().Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	a.DomainBase = domain.Config{Roots: []string{"127.0.0.1:9"}, Resolvers: []domain.Resolver{{Name: "none", Addr: "127.0.0.1:9"}},
		Timeout: 200 * time.Millisecond, Retries: -1, RDAPBootstrap: "http://127.0.0.1:9/", AutoconfigBase: "http://127.0.0.1:9"}
	d := openDomainScreen(s, p.ID)
	test.Tap(d.CheckNow)
	s.WaitIdle()
	fs := d.ShownFindings()
	if len(fs) == 0 {
		t.Fatalf("no findings offline; status %q", d.Status.Text)
	}
	for i, f := range fs {
		sev, summary, action := d.FindingRow(i)
		if f.Severity != domain.SeverityNotRun || sev != "NOT RUN" || !strings.HasPrefix(summary, "not run: offline") || !strings.HasPrefix(action, "What to do: ") {
			t.Fatalf("offline row %d (%s): %q %q %q", i, f.Check, sev, summary, action)
		}
		if severityImportance(f.Severity) == severityImportance(domain.SeverityOK) || severityIcon(f.Severity) == severityIcon(domain.SeverityOK) {
			t.Fatalf("a check that did not run is painted like a pass")
		}
	}
	if !strings.Contains(d.Status.Text, "could run") || !strings.Contains(d.Status.Text, "nothing is proven") {
		t.Fatalf("status %q", d.Status.Text)
	}
	if !strings.Contains(d.EarliestFlip.Text, "unknown") || len(d.ShownRecords()) != 0 || !strings.Contains(d.RecordsNote.Text, "could not be read") {
		t.Fatalf("flip %q, %d records, note %q", d.EarliestFlip.Text, len(d.ShownRecords()), d.RecordsNote.Text)
	}
	if !strings.Contains(d.Steps.Text, "○  Domain pre-flight") || !strings.HasPrefix(d.Detail.Severity.Text, "NOT RUN") {
		t.Fatalf("steps %q, detail %q", d.Steps.Text, d.Detail.Severity.Text)
	}
	if labels := shownLabels(s); !labels["NOT RUN"] || labels["OK"] {
		t.Fatal("the painted findings list must say NOT RUN and never OK offline")
	}
	if d.CheckNow.Disabled() {
		t.Fatal("the check button stays off after an offline check")
	}
}
