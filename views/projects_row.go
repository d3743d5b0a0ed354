package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

func projectTitle(o app.ProjectOverview) string {
	if o.Domain == "" {
		return o.Name
	}
	return o.Name + " — " + o.Domain
}

// projectStatus is the list's second line: phase, cutover, health.
func projectStatus(o app.ProjectOverview) string {
	parts := []string{o.PhaseTitle}
	if o.Phase > 0 {
		parts[0] = fmt.Sprintf("Phase %d · %s", o.Phase, o.PhaseTitle)
	}
	if !o.CutoverAt.IsZero() {
		parts = append(parts, "cutover "+o.CutoverAt.Local().Format("Mon 2 Jan 15:04"))
	}
	return strings.Join(append(parts, o.Summary), " · ")
}

func healthIcon(h app.Health) fyne.Resource {
	switch h {
	case app.HealthBlocked:
		return theme.NewErrorThemedResource(theme.ErrorIcon())
	case app.HealthWarning:
		return theme.NewWarningThemedResource(theme.WarningIcon())
	case app.HealthDone:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	}
	return theme.NewPrimaryThemedResource(theme.RadioButtonCheckedIcon())
}

// discover looks for the old host's settings from the domain in the form
// and offers what it found; choosing one fills in the Old host field.
func (p *ProjectsScreen) discover() {
	d := strings.TrimSpace(p.Domain.Text)
	if d == "" {
		p.FormError.SetText("Type the email domain first: the old host's settings are looked up from it.")
		return
	}
	p.Discover.Disable()
	p.FormError.SetText("Looking for the old host's settings of " + d + "…")
	type found struct {
		servers []app.DiscoveredServer
		note    string
	}
	Background(p.shell, func(ctx context.Context) (found, error) {
		servers, findings, err := p.shell.App.DiscoverServers(ctx, d)
		if err != nil {
			return found{note: sentence(err.Error())}, nil
		}
		var notes []string
		for _, f := range findings {
			if f.Check == "discover" && len(servers) > 0 {
				continue
			}
			notes = append(notes, f.Summary+" "+f.Action)
		}
		return found{servers, strings.TrimSpace(strings.Join(notes, " "))}, nil
	}, func(f found) {
		p.Discover.Enable()
		p.Candidates = f.servers
		p.FormError.SetText(f.note)
		if len(f.servers) > 0 {
			p.showCandidates()
		}
	})
}

// UseCandidate puts a discovered server into the Old host field.
func (p *ProjectsScreen) UseCandidate(i int) {
	p.Source.SetText(p.Candidates[i].URL)
	p.FormError.SetText("Old host set to " + p.Candidates[i].URL + ". Each mailbox's login is tested in Setup.")
}

func (p *ProjectsScreen) showCandidates() {
	var rows []fyne.CanvasObject
	var d dialog.Dialog
	for i, c := range p.Candidates {
		what := "answers"
		if c.Reach.Fingerprint != "" {
			what = "answers; certificate SHA-256 " + c.Reach.Fingerprint
		}
		if c.Problem != "" {
			what = c.Problem
		}
		label := widget.NewLabel(fmt.Sprintf("%s (found by %s)\n%s", c.URL, c.Source, what))
		label.Wrapping = fyne.TextWrapWord
		use := widget.NewButton("Use", func() { p.UseCandidate(i); d.Hide() })
		rows = append(rows, container.NewBorder(nil, nil, nil, use, label))
	}
	d = dialog.NewCustom("Old host settings found", "Close", container.NewVScroll(container.NewVBox(rows...)), p.shell.Window)
	d.Resize(fyne.NewSize(720, 420))
	d.Show()
}
