package views

import (
	"context"
	"fmt"
	"strings"
	gosync "sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// allMailboxes is the dashboard's choice for a whole-project run.
const allMailboxes = "All mailboxes"

// DashboardTab starts, pauses, resumes and stops the project's pull, push
// and final delta (for every mailbox or one), and shows the running job
// and every mailbox's progress.
type DashboardTab struct {
	m *MigrateScreen

	Scope               *widget.Select // allMailboxes or one mailbox
	Pull, Push, Delta   *widget.Button
	Pause, Resume, Stop *widget.Button
	JobState, JobCounts *widget.Label
	Bar                 *widget.ProgressBar
	Mailboxes           *widget.Table
	jobs                map[string]app.JobInfo // the project's jobs by ID, latest state
	current             string                 // ID of the job the buttons act on
	rows                []mailboxRow
	content             fyne.CanvasObject
	startedAt           map[string]rateSample // per mailbox: where this run's rate counts from
	pullStage           bool                  // the rows count the pull (else the push)
	countsMu            gosync.Mutex
	countsBusy          bool // a counts read runs
	countsAgain         bool // another was asked for meanwhile
}

// dashboardColumns are the per-mailbox table's columns.
var dashboardColumns = []column{{"Mailbox", 200}, {"State", 150}, {"Progress", 120}, {"Messages", 110}, {"MB", 110}, {"Rate", 80}, {"ETA", 70}, {"Errors", 60}}

func newDashboardTab(m *MigrateScreen) *DashboardTab {
	d := &DashboardTab{m: m, jobs: map[string]app.JobInfo{}, startedAt: map[string]rateSample{}}
	d.Scope = widget.NewSelect([]string{allMailboxes}, nil)
	d.Scope.SetSelected(allMailboxes)
	d.Pull = widget.NewButtonWithIcon("Pull", theme.DownloadIcon(), func() { d.start("pull", m.shell.App.StartPull) })
	d.Push = widget.NewButtonWithIcon("Push", theme.UploadIcon(), func() { d.start("push", m.shell.App.StartPush) })
	d.Delta = widget.NewButtonWithIcon("Final delta", theme.ViewRefreshIcon(), func() { d.start("final delta", m.shell.App.StartDelta) })
	d.Pull.Importance = widget.HighImportance
	jobs := m.shell.App.Jobs()
	d.Pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), func() { id := d.current; go jobs.Pause(id) })
	d.Resume = widget.NewButtonWithIcon("Resume", theme.MediaPlayIcon(), func() { id := d.current; go jobs.Resume(id) })
	d.Stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() { id := d.current; go jobs.Stop(id) })
	d.JobState = widget.NewLabelWithStyle("Nothing running", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.JobState.Wrapping = fyne.TextWrapWord
	d.JobCounts = widget.NewLabel("")
	d.Bar = widget.NewProgressBar()
	d.Mailboxes = widget.NewTable(func() (int, int) { return len(d.rows), len(dashboardColumns) }, newMailboxCell, d.updateCell)
	withHeader(d.Mailboxes, dashboardColumns)
	d.showButtons()
	top := container.NewVBox(
		widget.NewLabel("Pull copies every mailbox into the local store (the old host is only read); push copies the local store to the new host; the final delta does both at once (what is pulled goes to the new host while the pull goes on), for what arrived since or for everything. Each can be paused, stopped or interrupted: the next run continues where it stopped."),
		container.NewHBox(widget.NewLabel("Run for"), d.Scope, d.Pull, d.Push, d.Delta, widget.NewSeparator(), d.Pause, d.Resume, d.Stop),
		d.JobState, d.Bar, d.JobCounts, widget.NewSeparator())
	top.Objects[0].(*widget.Label).Wrapping = fyne.TextWrapWord
	d.content = container.NewBorder(top, nil, nil, nil, d.Mailboxes)
	return d
}

// start runs one of the project's jobs for the chosen scope.
func (d *DashboardTab) start(what string, fn func(context.Context, string, []string, int) error) {
	var ids []string
	if sel := d.Scope.Selected; sel != "" && sel != allMailboxes {
		ids = []string{sel}
	}
	pid := d.m.projectID
	inBackground(d.m, func(context.Context) (struct{}, error) {
		return struct{}{}, fn(context.Background(), pid, ids, 0) // the job outlives the screen
	}, func(_ struct{}, err error) {
		if err != nil {
			d.JobState.SetText(couldNot("start the "+what, err))
		}
	})
}

// loadMailboxes fills the scope choice.
func (d *DashboardTab) loadMailboxes() {
	inBackground(d.m, func(ctx context.Context) ([]store.Mailbox, error) {
		return d.m.shell.App.Mailboxes(ctx, d.m.projectID)
	}, func(mbs []store.Mailbox, err error) {
		if err != nil {
			d.JobState.SetText(couldNot("read the mailboxes", err))
			return
		}
		opts := []string{allMailboxes}
		for _, mb := range mbs {
			opts = append(opts, mb.ID)
		}
		d.Scope.SetOptions(opts)
		d.m.Export.setMailboxes(mbs)
	})
}

// refreshCounts re-reads every mailbox's counts and repaints the table.
// One read runs at a time (a large project's read may take longer than
// countsEvery); a refresh asked for meanwhile runs once it is done.
func (d *DashboardTab) refreshCounts() {
	d.countsMu.Lock()
	defer d.countsMu.Unlock()
	if d.countsBusy {
		d.countsAgain = true
		return
	}
	d.countsBusy = true
	inBackground(d.m, func(ctx context.Context) ([]app.MailboxCounts, error) {
		cs, err := d.m.shell.App.MailboxCounts(ctx, d.m.projectID)
		d.countsMu.Lock()
		d.countsBusy = false
		again := d.countsAgain
		d.countsAgain = false
		d.countsMu.Unlock()
		if again {
			d.refreshCounts() // before this result is applied: WaitIdle covers both
		}
		return cs, err
	}, func(cs []app.MailboxCounts, err error) {
		if err != nil {
			d.JobState.SetText(couldNot("count the messages", err))
			return
		}
		d.setCounts(cs, time.Now())
	})
}

// showJob paints a job snapshot (UI goroutine).
func (d *DashboardTab) showJob(j app.JobInfo) {
	prev, had := d.jobs[j.ID]
	if cur, ok := d.jobs[d.current]; !ok || j.State == app.JobRunning || !j.Started.Before(cur.Started) {
		d.current = j.ID // the newest run (a running one first: events coalesce)
	}
	d.jobs[j.ID] = j
	if !had || !prev.Started.Equal(j.Started) {
		d.startedAt = map[string]rateSample{} // a new run: rates count from here
	}
	if j.ID != d.current {
		return
	}
	d.pullStage = j.Kind == "pull" || j.Kind == "delta" && strings.HasPrefix(j.Progress.Phase, "pull")
	p := j.Progress
	switch {
	case p.Total > 0:
		d.Bar.SetValue(float64(p.Done) / float64(p.Total))
	case j.State == app.JobDone:
		d.Bar.SetValue(1)
	}
	kind := jobWords[j.Kind]
	if j.State == app.JobRunning {
		d.JobState.SetText(strings.TrimSpace(kind + " running — " + p.Phase + " " + p.Detail))
	} else {
		d.JobState.SetText(fmt.Sprintf("%s %s — %s", kind, j.State, j.Message))
	}
	line := fmt.Sprintf("%d of %d messages · %.1f of %.1f MB · %d problem(s)", p.Done, p.Total, mb(p.Bytes), mb(p.TotalBytes), p.Errors)
	if p.Rate > 0 && j.State == app.JobRunning {
		line += fmt.Sprintf(" · %.0f messages/s", p.Rate)
		if p.ETA > 0 {
			line += " · about " + p.ETA.Round(time.Second).String() + " left"
		}
	}
	d.JobCounts.SetText(line)
	d.showButtons()
	d.Mailboxes.Refresh()
}

// showButtons enables what makes sense for the current job's state.
func (d *DashboardTab) showButtons() {
	j := d.jobs[d.current]
	running := j.State == app.JobRunning
	for _, b := range []*widget.Button{d.Pull, d.Push, d.Delta} {
		setEnabled(b, !running)
	}
	setEnabled(d.Pause, running)
	setEnabled(d.Stop, running)
	setEnabled(d.Resume, j.State == app.JobPaused || j.State == app.JobStopped || j.State == app.JobIncomplete || j.State == app.JobFailed)
}

// CurrentJob is the job the Pause, Resume and Stop buttons act on.
func (d *DashboardTab) CurrentJob() app.JobInfo { return d.jobs[d.current] }

// jobWords names the dashboard's jobs for a person.
var jobWords = map[string]string{"pull": "Pull", "push": "Push", "delta": "Final delta"}

func mb(b int64) float64 { return float64(b) / 1e6 }
