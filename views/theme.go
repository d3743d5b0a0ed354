package views

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Appearance names the settings screen offers; "" follows the system.
const (
	AppearanceSystem = ""
	AppearanceLight  = "light"
	AppearanceDark   = "dark"
)

// fixedVariant is Fyne's default theme held to one variant, so a user whose
// system is dark can still pick light (and the other way round) without a
// second set of colours to keep in step with Fyne's.
type fixedVariant struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (f fixedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return f.Theme.Color(n, f.variant)
}

// ThemeFor returns the theme for an appearance name; unknown names follow
// the system, so an old or hand-edited setting never leaves the app unreadable.
func ThemeFor(appearance string) fyne.Theme {
	switch appearance {
	case AppearanceLight:
		return fixedVariant{theme.DefaultTheme(), theme.VariantLight}
	case AppearanceDark:
		return fixedVariant{theme.DefaultTheme(), theme.VariantDark}
	}
	return theme.DefaultTheme()
}

// ApplyAppearance switches the running app's theme; every open widget
// repaints in the new colours.
func ApplyAppearance(appearance string) {
	if a := fyne.CurrentApp(); a != nil {
		a.Settings().SetTheme(ThemeFor(appearance))
	}
}
