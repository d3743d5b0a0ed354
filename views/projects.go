package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
)

// ProjectsScreen lists projects and holds the new-project form. Its widget
// fields are exported for tests.
type ProjectsScreen struct {
	shell    *Shell
	projects []app.ProjectOverview

	List                 *widget.List
	Name, Domain, Source *widget.Entry
	Dest, Cutover        *widget.Entry
	Profile              *widget.Select
	Create               *widget.Button
	FormError            *widget.Label
	Discover             *widget.Button // finds the old host's settings from the domain
	Candidates           []app.DiscoveredServer
	content              fyne.CanvasObject
}

// NewProjectsScreen builds the screen; Start loads the list.
func NewProjectsScreen(s *Shell) *ProjectsScreen {
	p := &ProjectsScreen{shell: s}
	p.List = widget.NewList(func() int { return len(p.projects) },
		func() fyne.CanvasObject {
			title := widget.NewLabelWithStyle("project name — domain", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			title.Truncation = fyne.TextTruncateEllipsis
			status := widget.NewLabel("phase · cutover · health")
			status.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, container.NewVBox(title, status))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			lines := row.Objects[0].(*fyne.Container).Objects
			lines[0].(*widget.Label).SetText(projectTitle(p.projects[i]))
			lines[1].(*widget.Label).SetText(projectStatus(p.projects[i]))
			row.Objects[1].(*widget.Icon).SetResource(healthIcon(p.projects[i].Health))
		})
	p.List.OnSelected = func(i widget.ListItemID) {
		id := p.projects[i].ID
		s.Open("plan", id)
	}
	p.Name, p.Domain = entry("Acme Dental"), entry("acme-dental.com")
	p.Source, p.Dest = entry("imaps://mail.oldhost.com:993"), entry("imaps://outlook.office365.com")
	p.Cutover = entry("2026-12-05 18:00")
	p.Profile = widget.NewSelect(app.Profiles, nil)
	p.Profile.SetSelected("m365")
	p.FormError = widget.NewLabel("")
	p.FormError.Wrapping = fyne.TextWrapWord
	p.Create = widget.NewButton("Create project", p.create)
	p.Discover = widget.NewButtonWithIcon("Find settings", theme.SearchIcon(), p.discover)
	p.Create.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem("Name", p.Name),
		widget.NewFormItem("Email domain", p.Domain),
		widget.NewFormItem("Old host", container.NewBorder(nil, nil, nil, p.Discover, p.Source)),
		widget.NewFormItem("New host", p.Dest),
		widget.NewFormItem("New host profile", p.Profile),
		widget.NewFormItem("Cutover", p.Cutover),
	)
	right := container.NewVBox(widget.NewLabelWithStyle("New project", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, p.Create, p.FormError)
	settings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), func() { s.Open("settings", "") })
	left := container.NewBorder(container.NewBorder(nil, nil, nil, settings,
		widget.NewLabelWithStyle("Projects", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})), nil, nil, nil, p.List)
	split := container.NewHSplit(left, container.NewVScroll(right))
	split.Offset = 0.5
	p.content = split
	return p
}

func entry(placeholder string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	return e
}

func (p *ProjectsScreen) Title() string              { return "Projects" }
func (p *ProjectsScreen) Content() fyne.CanvasObject { return p.content }

// Start loads the project list in the background.
func (p *ProjectsScreen) Start(ctx context.Context) { p.reload() }

func (p *ProjectsScreen) reload() {
	Background(p.shell, func(ctx context.Context) ([]app.ProjectOverview, error) {
		return p.shell.App.ProjectOverviews(ctx)
	}, func(ps []app.ProjectOverview) {
		p.projects = ps
		p.List.Refresh()
	})
}

// Projects is what the list shows (for tests).
func (p *ProjectsScreen) Projects() []app.ProjectOverview { return p.projects }

func (p *ProjectsScreen) create() {
	np, err := p.formProject()
	if err != nil {
		p.FormError.SetText(err.Error())
		return
	}
	p.Create.Disable()
	type result struct {
		pr  store.Project
		err error
	}
	Background(p.shell, func(ctx context.Context) (result, error) {
		pr, err := p.shell.App.CreateProject(ctx, np)
		return result{pr, err}, nil
	}, func(r result) {
		p.Create.Enable()
		if r.err != nil {
			p.FormError.SetText(r.err.Error())
			return
		}
		pr := r.pr
		p.FormError.SetText("")
		p.shell.SetStatus(fmt.Sprintf("Project %q created.", pr.Name))
		p.shell.Open("plan", pr.ID)
	})
}

func (p *ProjectsScreen) formProject() (app.NewProject, error) {
	np := app.NewProject{Name: strings.TrimSpace(p.Name.Text), Domain: p.Domain.Text, Profile: p.Profile.Selected, Actor: p.shell.Actor}
	if np.Name == "" {
		return np, fmt.Errorf("Give the project a name (usually the customer's).")
	}
	var err error
	if np.Source, err = app.ParseServer(p.Source.Text, false); err != nil {
		return np, fmt.Errorf("Old host: %v", err)
	}
	if np.Destination, err = app.ParseServer(p.Dest.Text, false); err != nil {
		return np, fmt.Errorf("New host: %v", err)
	}
	if t := strings.TrimSpace(p.Cutover.Text); t != "" {
		if np.CutoverAt, err = app.ParseWhen(t); err != nil {
			return np, fmt.Errorf("Cutover: %v", err)
		}
	}
	return np, nil
}
