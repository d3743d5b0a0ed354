package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// screenDef is one row of the table of screens.
type screenDef struct {
	ID        string
	Title     string
	InProject bool // shown in a project's navigation bar
	New       func(s *Shell, projectID string) Screen
}

// screenTable is the one table of screens; navigation goes through Open.
// (A function, not a var, because screens navigate through it.)
func screenTable() []screenDef {
	return []screenDef{
		{"projects", "Projects", false, func(s *Shell, _ string) Screen { return NewProjectsScreen(s) }},
		{"settings", "Settings", false, func(s *Shell, _ string) Screen { return NewSettingsScreen(s) }},
		{"plan", "Plan", true, func(s *Shell, id string) Screen { return NewPlanScreen(s, id) }},
		{"setup", "1 · Setup", true, func(s *Shell, id string) Screen { return NewSetupScreen(s, id) }},
		{"domain", "1 · Domain", true, func(s *Shell, id string) Screen { return NewDomainScreen(s, id) }},
		{"migrate", "2 · Migration", true, func(s *Shell, id string) Screen { return NewMigrateScreen(s, id) }},
		{"cutover", "3 · Cutover", true, func(s *Shell, id string) Screen { return NewCutoverScreen(s, id) }},
		{"report", "Sign-off", true, func(s *Shell, id string) Screen { return NewReportScreen(s, id) }},
		{"activity", "Activity", true, func(s *Shell, id string) Screen { return NewActivityScreen(s, id) }},
	}
}

// Open shows the screen with the given ID for a project.
func (s *Shell) Open(id, projectID string) Screen {
	for _, d := range screenTable() {
		if d.ID == id {
			sc := d.New(s, projectID)
			s.Show(sc)
			return sc
		}
	}
	panic("views: no screen " + id) // a programming error: IDs are constants
}

// projectFrame puts a project screen's body under the navigation bar that
// leads to the project's other screens.
func projectFrame(s *Shell, projectID, active string, header fyne.CanvasObject, body fyne.CanvasObject) fyne.CanvasObject {
	bar := container.NewHBox(widget.NewButtonWithIcon("Projects", theme.NavigateBackIcon(), func() { s.Open("projects", "") }))
	for _, d := range screenTable() {
		if !d.InProject {
			continue
		}
		id := d.ID
		b := widget.NewButton(d.Title, func() { s.Open(id, projectID) })
		if id == active {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.LowImportance
		}
		bar.Add(b)
	}
	bar.Add(layout.NewSpacer())
	bar.Add(widget.NewButtonWithIcon("", theme.SettingsIcon(), func() { s.Open("settings", "") }))
	top := container.NewVBox(bar, header, widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil, body)
}
