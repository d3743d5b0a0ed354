package views

import (
	"context"
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// PlanScreen shows a project's three phases as a timeline of steps, each
// with its owner and status, and a panel to tick, un-tick (with a reason)
// or annotate the selected step.
type PlanScreen struct {
	shell     *Shell
	projectID string
	steps     map[string]app.Step
	selected  string

	Header *widget.Label
	Rows   map[string]*StepRow

	// The step panel.
	StepTitle, StepInfo *widget.Label
	Who, Note, Reason   *widget.Entry
	Tick, Untick, Save  *widget.Button
	Problem             *widget.Label

	content fyne.CanvasObject
}

// StepRow is one step in the timeline.
type StepRow struct {
	Button *widget.Button
	Info   *widget.Label
}

// NewPlanScreen builds the screen for a project.
func NewPlanScreen(s *Shell, projectID string) *PlanScreen {
	p := &PlanScreen{shell: s, projectID: projectID, steps: map[string]app.Step{}, Rows: map[string]*StepRow{}}
	p.Header = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	timeline := container.NewVBox()
	for _, ph := range app.ThePlan {
		timeline.Add(widget.NewLabelWithStyle(fmt.Sprintf("Phase %d — %s", ph.Number, ph.Title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, def := range ph.Steps {
			id := def.ID
			row := &StepRow{
				Button: widget.NewButtonWithIcon(def.Title, theme.RadioButtonIcon(), func() { p.Select(id) }),
				Info:   widget.NewLabel(string(def.Owner)),
			}
			row.Button.Alignment = widget.ButtonAlignLeading
			row.Button.Importance = widget.LowImportance
			row.Info.Importance = widget.LowImportance
			p.Rows[id] = row
			// Owner and state under the title, not beside it: a long title
			// and "blocked 23 Nov 09:31 by …" side by side outgrow 1024 px.
			indent := canvas.NewRectangle(color.Transparent)
			indent.SetMinSize(fyne.NewSize(theme.IconInlineSize()+2*theme.Padding(), 0))
			row.Info.Truncation = fyne.TextTruncateEllipsis
			timeline.Add(container.NewVBox(row.Button, container.NewBorder(nil, nil, indent, nil, row.Info)))
		}
	}
	p.StepTitle = widget.NewLabelWithStyle("Select a step", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.StepTitle.Wrapping = fyne.TextWrapWord
	p.StepInfo = widget.NewLabel("")
	p.StepInfo.Wrapping = fyne.TextWrapWord
	p.Who = widget.NewEntry()
	p.Who.SetText(s.Actor)
	p.Note = widget.NewMultiLineEntry()
	p.Note.SetPlaceHolder("Note (optional)")
	p.Reason = widget.NewEntry()
	p.Reason.SetPlaceHolder("Reason — required to un-tick, or to override a failing check")
	p.Problem = widget.NewLabel("")
	p.Problem.Wrapping = fyne.TextWrapWord
	p.Problem.Importance = widget.DangerImportance
	p.Tick = widget.NewButtonWithIcon("Tick", theme.ConfirmIcon(), p.tick)
	p.Untick = widget.NewButtonWithIcon("Un-tick", theme.ContentUndoIcon(), p.untick)
	p.Save = widget.NewButtonWithIcon("Save note", theme.DocumentSaveIcon(), p.saveNote)
	for _, b := range []*widget.Button{p.Tick, p.Untick, p.Save} {
		b.Disable()
	}
	panel := container.NewVBox(p.StepTitle, p.StepInfo,
		widget.NewForm(widget.NewFormItem("Your name", p.Who), widget.NewFormItem("Note", p.Note), widget.NewFormItem("Reason", p.Reason)),
		container.NewHBox(p.Tick, p.Untick, p.Save), p.Problem)
	split := container.NewHSplit(container.NewVScroll(timeline), container.NewVScroll(panel))
	split.Offset = 0.6
	p.content = projectFrame(s, projectID, "plan", p.Header, split)
	return p
}

func (p *PlanScreen) Title() string              { return "Plan" }
func (p *PlanScreen) Content() fyne.CanvasObject { return p.content }

// Start loads the project and its checklist, then follows step events
// until the user leaves the screen.
func (p *PlanScreen) Start(ctx context.Context) {
	type loaded struct {
		p     store.Project
		steps []app.Step
	}
	Background(p.shell, func(ctx context.Context) (loaded, error) {
		pr, err := p.shell.App.Project(ctx, p.projectID)
		if err != nil {
			return loaded{}, err
		}
		steps, err := p.shell.App.Checklist(ctx, p.projectID)
		return loaded{pr, steps}, err
	}, func(l loaded) {
		p.Header.SetText(fmt.Sprintf("%s — %s", l.p.Name, l.p.Domain))
		for _, st := range l.steps {
			p.show(st)
		}
	})
	events, stop := p.shell.App.Events.Subscribe(64)
	go func() {
		<-ctx.Done()
		stop()
	}()
	go func() {
		for ev := range events {
			if sc, ok := ev.(app.StepChanged); ok && sc.ProjectID == p.projectID {
				st := sc.Step // copy before the closure
				p.shell.Do(func() { p.show(st) })
			}
		}
	}()
}

// show paints one step's state.
func (p *PlanScreen) show(st app.Step) {
	p.steps[st.ID] = st
	row := p.Rows[st.ID]
	switch st.Status {
	case app.StatusDone:
		row.Button.SetIcon(theme.ConfirmIcon())
	case app.StatusBlocked:
		row.Button.SetIcon(theme.WarningIcon())
	default:
		row.Button.SetIcon(theme.RadioButtonIcon())
	}
	row.Info.SetText(stepInfo(st))
	if p.selected == st.ID {
		p.Select(st.ID)
	}
}

func stepInfo(st app.Step) string {
	info := string(st.Owner)
	if st.By != "" {
		info += fmt.Sprintf(" · %s %s by %s", statusWord(st), st.At.Local().Format("2 Jan 15:04"), st.By)
	}
	return info
}

func statusWord(st app.Step) string {
	switch {
	case st.Override:
		return "overridden"
	case st.Status == app.StatusDone:
		return "done"
	case st.Status == app.StatusBlocked:
		return "blocked"
	case st.Reason != "":
		return "re-opened"
	}
	return "noted"
}

// Select shows a step in the panel.
func (p *PlanScreen) Select(id string) {
	p.selected = id
	st := p.steps[id]
	p.StepTitle.SetText(st.Title)
	text := st.Detail + "\nOwner: " + string(st.Owner)
	if st.By != "" {
		text += fmt.Sprintf("\nStatus: %s (%s, %s)", statusWord(st), st.By, st.At.Local().Format("Mon 2 Jan 15:04"))
	} else {
		text += "\nStatus: to do"
	}
	if st.Reason != "" {
		text += "\nReason: " + st.Reason
	}
	p.StepInfo.SetText(text)
	p.Note.SetText(st.Note)
	p.Problem.SetText("")
	p.Save.Enable()
	if st.Status == app.StatusDone {
		p.Tick.Disable()
		p.Untick.Enable()
	} else {
		p.Tick.Enable()
		p.Untick.Disable()
	}
}

func (p *PlanScreen) tick() {
	id, who, note, reason := p.selected, p.Who.Text, p.Note.Text, p.Reason.Text
	p.change(func(ctx context.Context) (app.Step, error) {
		return p.shell.App.Tick(ctx, p.projectID, id, who, note, reason)
	})
}

func (p *PlanScreen) untick() {
	id, who, reason := p.selected, p.Who.Text, p.Reason.Text
	p.change(func(ctx context.Context) (app.Step, error) {
		return p.shell.App.Untick(ctx, p.projectID, id, who, reason)
	})
}

func (p *PlanScreen) saveNote() {
	id, who, note := p.selected, p.Who.Text, p.Note.Text
	p.change(func(ctx context.Context) (app.Step, error) {
		return p.shell.App.Annotate(ctx, p.projectID, id, who, note)
	})
}

// change runs a checklist change in the background; the new state arrives
// through the StepChanged event, and a refusal is shown in the panel.
func (p *PlanScreen) change(do func(ctx context.Context) (app.Step, error)) {
	type result struct {
		st  app.Step
		err error
	}
	Background(p.shell, func(ctx context.Context) (result, error) {
		st, err := do(ctx)
		return result{st, err}, nil
	}, func(r result) {
		if r.err != nil {
			p.Problem.SetText(sentence(r.err.Error()))
			return
		}
		p.Reason.SetText("")
		p.show(r.st)
	})
}

// sentence capitalises an engine message for display.
func sentence(s string) string {
	if s == "" {
		return s
	}
	b := []rune(s)
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b) + "."
}
