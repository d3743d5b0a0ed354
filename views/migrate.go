package views

import (
	"context"
	gosync "sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

// paintEvery is the slowest the migration screen repaints job progress:
// events that arrive faster are coalesced (latest state per job wins).
const paintEvery = 100 * time.Millisecond

// countsEvery is how often the per-mailbox counts are re-read from the
// store while a job runs (and always when one ends).
const countsEvery = 500 * time.Millisecond

// MigrateScreen is Phase 2, the migration dashboard, as tabs: Dashboard
// (start, pause, resume, stop; per-mailbox progress), Mapping (folder
// mapping preview and overrides), Errors (every failed or skipped message,
// retry), Reconciliation and Export. Job progress arrives as JobChanged
// events through one pump goroutine and is painted through Shell.Do at
// most every paintEvery; store reads run in the background.
type MigrateScreen struct {
	shell     *Shell
	projectID string

	Tabs      *container.AppTabs
	Dashboard *DashboardTab
	Mapping   *MappingTab
	Errors    *ErrorsTab
	Reconcile *ReconcileTab
	Export    *ExportTab
	content   fyne.CanvasObject

	ctx       context.Context // the screen's: ends when the user leaves it
	lastCount time.Time       // pump goroutine only

	paintMu gosync.Mutex
	painted chan struct{} // closed and replaced after every paint
}

// NewMigrateScreen builds the Phase 2 screen for a project.
func NewMigrateScreen(s *Shell, projectID string) *MigrateScreen {
	m := &MigrateScreen{shell: s, projectID: projectID, painted: make(chan struct{}), ctx: context.Background()}
	m.Dashboard = newDashboardTab(m)
	m.Mapping = newMappingTab(m)
	m.Errors = newErrorsTab(m)
	m.Reconcile = newReconcileTab(m)
	m.Export = newExportTab(m)
	m.Tabs = container.NewAppTabs(
		container.NewTabItem("Dashboard", m.Dashboard.content),
		container.NewTabItem("Folder mapping", m.Mapping.content),
		container.NewTabItem("Errors", m.Errors.content),
		container.NewTabItem("Reconciliation", m.Reconcile.content),
		container.NewTabItem("Export", m.Export.content),
	)
	m.content = projectFrame(s, projectID, "migrate", widget.NewLabelWithStyle("Phase 2 — data migration", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.Tabs)
	return m
}

func (m *MigrateScreen) Title() string              { return "Migration" }
func (m *MigrateScreen) Content() fyne.CanvasObject { return m.content }

// Start loads every tab and follows the project's jobs until the user
// leaves the screen.
func (m *MigrateScreen) Start(ctx context.Context) {
	m.ctx = ctx
	events, stop := m.shell.App.Events.Subscribe(256)
	context.AfterFunc(ctx, stop)
	go m.pump(events)
	for _, j := range m.shell.App.Jobs().List() { // after subscribing: no change is missed
		if j.ProjectID == m.projectID {
			m.showJob(j)
		}
	}
	m.Dashboard.loadMailboxes()
	m.Dashboard.refreshCounts()
	m.Mapping.loadMailboxes()
	m.Errors.load()
	m.Reconcile.loadLast()
}

// pump coalesces the project's job events and paints them at most every
// paintEvery; it asks for fresh per-mailbox counts at most every
// countsEvery while jobs run, and at once when one ends.
func (m *MigrateScreen) pump(events <-chan app.Event) {
	pending := map[string]app.JobInfo{}
	var fire <-chan time.Time
	var last time.Time
	flush := func() {
		jobs := pending
		pending = map[string]app.JobInfo{}
		last = time.Now()
		ended := false
		for _, j := range jobs {
			ended = ended || j.State != app.JobRunning
		}
		m.shell.Do(func() {
			for _, j := range jobs {
				m.showJob(j)
			}
		})
		if ended || time.Since(m.lastCount) >= countsEvery {
			m.lastCount = time.Now()
			m.Dashboard.refreshCounts()
		}
		for _, j := range jobs {
			if j.State == app.JobRunning || j.Kind == "export" {
				continue
			}
			m.Mapping.reload() // a pull found the folders, a push saved the mapping
			if j.Kind != "pull" {
				m.Errors.load() // the push journal changed
			}
		}
		m.notifyPainted()
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch e := ev.(type) {
			case app.JobChanged:
				if e.Job.ProjectID != m.projectID {
					continue
				}
				pending[e.Job.ID] = e.Job
			case app.MailboxesChanged:
				if e.ProjectID != m.projectID {
					continue
				}
				m.lastCount = time.Time{}
			default:
				continue
			}
			if wait := paintEvery - time.Since(last); wait > 0 {
				if fire == nil {
					fire = time.After(wait)
				}
				continue
			}
			flush()
		case <-fire:
			fire = nil
			flush()
		}
	}
}

// showJob paints a job snapshot in the tab it belongs to (UI goroutine).
func (m *MigrateScreen) showJob(j app.JobInfo) {
	if j.Kind == "export" {
		m.Export.showJob(j)
		return
	}
	m.Dashboard.showJob(j)
}

func (m *MigrateScreen) notifyPainted() {
	m.paintMu.Lock()
	close(m.painted)
	m.painted = make(chan struct{})
	m.paintMu.Unlock()
}

// WaitFor waits until cond holds, evaluating it (under the UI lock) at
// once and after every paint of this screen, for at most timeout. It
// reports whether cond held. Tests use it instead of polling.
func (m *MigrateScreen) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		m.paintMu.Lock()
		next := m.painted
		m.paintMu.Unlock()
		m.shell.uiMu.Lock()
		ok := cond()
		m.shell.uiMu.Unlock()
		if ok {
			return true
		}
		select {
		case <-next:
		case <-deadline.C:
			return false
		}
	}
}

// inBackground runs work off the UI goroutine with the screen's context
// and applies its result (or error) through Shell.Do; Shell.WaitIdle
// covers it. Every tab's loading goes through here.
func inBackground[T any](m *MigrateScreen, work func(ctx context.Context) (T, error), apply func(T, error)) {
	ctx := m.ctx
	if ctx.Err() != nil {
		return // the user left the screen
	}
	m.shell.work.add()
	go func() {
		defer m.shell.work.done()
		v, err := work(ctx)
		if ctx.Err() != nil {
			return // the user left the screen
		}
		m.shell.Do(func() { apply(v, err) })
		m.notifyPainted()
	}()
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// couldNot words an error for a person: what failed, then the engine's
// explanation (which says what to do) as a sentence.
func couldNot(what string, err error) string {
	return "Could not " + what + ": " + sentence(err.Error())
}
