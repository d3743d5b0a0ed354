package views

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

// MigrateScreen is Phase 2: start, pause, resume or stop the pull of the
// project's mailboxes, watch its progress (painted from JobChanged events,
// which the job runner publishes about ten times a second), and verify the
// local copy offline.
type MigrateScreen struct {
	shell     *Shell
	projectID string

	Bar                            *widget.ProgressBar
	State, Counts, Rate            *widget.Label
	StartPull, Pause, Resume, Stop *widget.Button
	Verify                         *widget.Button
	VerifyResult                   *widget.Label
	content                        fyne.CanvasObject
}

// NewMigrateScreen builds the Phase 2 screen for a project.
func NewMigrateScreen(s *Shell, projectID string) *MigrateScreen {
	m := &MigrateScreen{shell: s, projectID: projectID}
	m.Bar = widget.NewProgressBar()
	m.State = widget.NewLabelWithStyle("Not started", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.State.Wrapping = fyne.TextWrapWord
	m.Counts, m.Rate = widget.NewLabel(""), widget.NewLabel("")
	jobs := s.App.Jobs()
	id := app.PullJobID(projectID)
	m.StartPull = widget.NewButtonWithIcon("Start pull", theme.MediaPlayIcon(), func() {
		Background(s, func(ctx context.Context) (error, error) {
			return s.App.StartPull(context.Background(), projectID, nil, 0), nil
		}, func(err error) {
			if err != nil {
				m.State.SetText("Not started: " + sentence(err.Error()))
			}
		})
	})
	m.StartPull.Importance = widget.HighImportance
	m.Pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), func() { go jobs.Pause(id) })
	m.Resume = widget.NewButtonWithIcon("Resume", theme.MediaPlayIcon(), func() { go jobs.Resume(id) })
	m.Stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() { go jobs.Stop(id) })
	m.Verify = widget.NewButtonWithIcon("Verify local copy (offline)", theme.ConfirmIcon(), m.verify)
	m.VerifyResult = widget.NewLabel("")
	m.VerifyResult.Wrapping = fyne.TextWrapWord
	m.showJob(app.JobInfo{})
	for _, j := range jobs.List() {
		if j.ID == id {
			m.showJob(j)
		}
	}
	body := container.NewVBox(
		widget.NewLabelWithStyle("Copy every mailbox into the local store", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("The old host is only read. A pull can be paused, stopped or interrupted at any time: the next one continues where it stopped."),
		container.NewHBox(m.StartPull, m.Pause, m.Resume, m.Stop), m.Bar, m.State, m.Counts, m.Rate,
		widget.NewSeparator(), m.Verify, m.VerifyResult)
	m.content = projectFrame(s, projectID, "migrate", widget.NewLabelWithStyle("Phase 2 — data migration", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), container.NewVScroll(body))
	return m
}

func (m *MigrateScreen) Title() string              { return "Migration" }
func (m *MigrateScreen) Content() fyne.CanvasObject { return m.content }

// Start follows the pull job's events until the user leaves the screen.
func (m *MigrateScreen) Start(ctx context.Context) {
	events, stop := m.shell.App.Events.Subscribe(256)
	context.AfterFunc(ctx, stop)
	id := app.PullJobID(m.projectID)
	go func() {
		for ev := range events {
			if jc, ok := ev.(app.JobChanged); ok && jc.Job.ID == id {
				j := jc.Job // copy before the closure
				m.shell.Do(func() { m.showJob(j) })
			}
		}
	}()
}

// showJob paints a job snapshot.
func (m *MigrateScreen) showJob(j app.JobInfo) {
	p := j.Progress
	if p.Total > 0 {
		m.Bar.SetValue(float64(p.Done) / float64(p.Total))
	} else if j.State == app.JobDone {
		m.Bar.SetValue(1)
	}
	switch j.State {
	case "":
		m.State.SetText("Not started")
	case app.JobRunning:
		m.State.SetText("Running — " + p.Phase + " " + p.Detail)
	default:
		m.State.SetText(fmt.Sprintf("%s — %s", j.State, j.Message))
	}
	m.Counts.SetText(fmt.Sprintf("%d of %d messages · %.1f MB · %d problem(s)", p.Done, p.Total, float64(p.Bytes)/1e6, p.Errors))
	rate := ""
	if p.Rate > 0 {
		rate = fmt.Sprintf("%.0f messages/s", p.Rate)
		if p.ETA > 0 {
			rate += " · about " + p.ETA.Round(time.Second).String() + " left"
		}
	}
	m.Rate.SetText(rate)
	running := j.State == app.JobRunning
	setEnabled(m.StartPull, !running && j.State != app.JobPaused && j.State != app.JobStopped)
	setEnabled(m.Pause, running)
	setEnabled(m.Stop, running)
	setEnabled(m.Resume, j.State == app.JobPaused || j.State == app.JobStopped || j.State == app.JobFailed)
	setEnabled(m.Verify, !running)
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

func (m *MigrateScreen) verify() {
	m.VerifyResult.SetText("Verifying every stored message…")
	type result struct {
		verdict string
		err     error
	}
	Background(m.shell, func(ctx context.Context) (result, error) {
		v, err := m.shell.App.Verify(ctx, m.projectID, nil)
		return result{v.Verdict(), err}, nil
	}, func(r result) {
		if r.err != nil {
			m.VerifyResult.SetText("Could not verify: " + sentence(r.err.Error()))
			return
		}
		m.VerifyResult.SetText(sentence(r.verdict))
	})
}
