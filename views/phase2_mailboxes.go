package views

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// mailboxRow is one line of the dashboard's mailbox table: the stage the
// project is in (pull: local copy of the source; push: new host's copy
// of the local one), its counts, and a rate measured since the run began.
type mailboxRow struct {
	c                     app.MailboxCounts
	done, total           int
	doneBytes, totalBytes int64
	rate                  float64 // messages per second in this run
	eta                   time.Duration
	partial               bool // total counts only the folders reached so far
}

// rateSample is where a mailbox's count stood when first seen in a run.
type rateSample struct {
	at   time.Time
	done int
}

// setCounts turns fresh counts into rows (UI goroutine).
func (d *DashboardTab) setCounts(cs []app.MailboxCounts, now time.Time) {
	if _, ok := d.jobs[d.current]; !ok {
		pushed := false
		for _, c := range cs {
			pushed = pushed || c.Pushed > 0
		}
		d.pullStage = !pushed
	}
	running := d.jobs[d.current].State == app.JobRunning
	rows := make([]mailboxRow, 0, len(cs))
	for _, c := range cs {
		r := mailboxRow{c: c}
		if d.pullStage {
			r.done, r.total, r.doneBytes, r.totalBytes = c.Local, max(c.SourceMessages, c.Local), c.LocalBytes, max(c.SourceBytes, c.LocalBytes)
			r.partial = !c.SourceComplete
		} else {
			r.done, r.total, r.doneBytes, r.totalBytes = c.Pushed, c.Local-c.Excluded, c.PushedBytes, c.LocalBytes
		}
		s, seen := d.startedAt[c.Mailbox]
		if !seen {
			s = rateSample{at: now, done: r.done}
			d.startedAt[c.Mailbox] = s
		}
		if el := now.Sub(s.at).Seconds(); running && el > 0.5 && r.done > s.done {
			r.rate = float64(r.done-s.done) / el
			if r.total > r.done && !r.partial {
				r.eta = time.Duration(float64(r.total-r.done) / r.rate * float64(time.Second))
			}
		}
		rows = append(rows, r)
	}
	d.rows = rows
	d.Mailboxes.Refresh()
}

// Rows is the table's content as words, one slice per mailbox (tests).
func (d *DashboardTab) Rows() [][]string {
	var out [][]string
	for i := range d.rows {
		var line []string
		for col := range dashboardColumns {
			line = append(line, d.cellText(i, col))
		}
		out = append(out, line)
	}
	return out
}

// Progress is a mailbox's progress bar value, -1 when its total is not
// known yet or there is no such mailbox (tests).
func (d *DashboardTab) Progress(mailbox string) float64 {
	for _, r := range d.rows {
		if r.c.Mailbox == mailbox {
			return fraction(r)
		}
	}
	return -1
}

// fraction is the progress bar's value; -1 when the total is not known yet.
func fraction(r mailboxRow) float64 {
	if r.partial {
		return -1
	}
	if r.total <= 0 {
		return 0
	}
	return min(1, float64(r.done)/float64(r.total))
}

func newMailboxCell() fyne.CanvasObject {
	bar := widget.NewProgressBar()
	bar.Hide()
	return container.NewStack(widget.NewLabel(""), bar)
}

func (d *DashboardTab) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	st := o.(*fyne.Container)
	l, bar := st.Objects[0].(*widget.Label), st.Objects[1].(*widget.ProgressBar)
	if id.Col == 2 && id.Row < len(d.rows) && !d.rows[id.Row].partial {
		l.SetText("")
		bar.SetValue(fraction(d.rows[id.Row]))
		bar.Show()
		return
	}
	bar.Hide()
	l.SetText(d.cellText(id.Row, id.Col))
}

func (d *DashboardTab) cellText(i, col int) string {
	if i >= len(d.rows) {
		return ""
	}
	r := d.rows[i]
	switch col {
	case 0:
		return r.c.Mailbox
	case 1:
		return d.mailboxState(r)
	case 2:
		switch {
		case r.partial && d.holds(r):
			return "counting folders"
		case r.partial && r.total > 0:
			return "not all folders counted"
		case r.partial:
			return "" // never read: nothing to count yet
		}
		return fmt.Sprintf("%.0f%%", fraction(r)*100)
	case 3:
		if d.neverRead(r) {
			return ""
		}
		if r.partial {
			return fmt.Sprintf("%d / %d so far", r.done, r.total)
		}
		return fmt.Sprintf("%d / %d", r.done, r.total)
	case 4:
		if d.neverRead(r) {
			return ""
		}
		if r.partial {
			return fmt.Sprintf("%.1f so far", mb(r.doneBytes))
		}
		return fmt.Sprintf("%.1f / %.1f", mb(r.doneBytes), mb(r.totalBytes))
	case 5:
		if r.rate > 0 {
			return fmt.Sprintf("%.0f/s", r.rate)
		}
		return ""
	case 6:
		if r.eta > 0 {
			return r.eta.Round(time.Second).String()
		}
		return ""
	case 7:
		return fmt.Sprint(r.c.Failed)
	}
	return ""
}

// holds says the current job, running or paused, works on r's mailbox:
// its counts are still growing.
func (d *DashboardTab) holds(r mailboxRow) bool {
	j := d.jobs[d.current]
	return (j.State == app.JobRunning || j.State == app.JobPaused) && (j.Mailbox == "" || j.Mailbox == r.c.Mailbox)
}

// neverRead says r's mailbox has no counts to show: nothing of it is
// known yet and no job is counting it.
func (d *DashboardTab) neverRead(r mailboxRow) bool {
	return r.partial && r.total == 0 && r.done == 0 && !d.holds(r)
}

// mailboxState words where a mailbox stands: the folder being copied when
// the running job names it, else its status in the store.
func (d *DashboardTab) mailboxState(r mailboxRow) string {
	j := d.jobs[d.current]
	if j.State == app.JobRunning && (j.Mailbox == "" || j.Mailbox == r.c.Mailbox) {
		if rest, ok := strings.CutPrefix(j.Progress.Detail, r.c.Mailbox+" · "); ok {
			return "copying " + rest
		}
		if r.total > 0 && r.done >= r.total && !r.partial {
			return "up to date"
		}
		return j.Kind + " running"
	}
	switch r.c.Status {
	case store.MailboxNew, store.MailboxTested, "":
		if r.c.Local > 0 {
			return "partly copied" // a pull paused, stopped or interrupted
		}
		return "not started"
	case store.MailboxLoginFail:
		return "login failed"
	case store.MailboxPushed:
		return "on the new host"
	}
	return string(r.c.Status)
}
