package app

import (
	"context"
	"fmt"
	"net"
	"strings"

	"mailshift/store"
)

// Settings returns the installation's preferences.
func (a *App) Settings(ctx context.Context) (store.Settings, error) { return a.db.Settings() }

// SaveSettings validates and saves the preferences.
func (a *App) SaveSettings(ctx context.Context, s store.Settings) error {
	s.Actor = strings.TrimSpace(s.Actor)
	if s.MaxConnections < 0 || s.MaxConnections > 64 {
		return fmt.Errorf("connections per server must be from 1 to 64 (or empty for the default)")
	}
	switch s.Appearance {
	case "", "light", "dark":
	default:
		return fmt.Errorf("appearance %q is not one of light, dark or empty (same as the system)", s.Appearance)
	}
	var clean []string
	for _, r := range s.Resolvers {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		host := r
		if h, _, err := net.SplitHostPort(r); err == nil {
			host = h
		}
		if net.ParseIP(host) == nil {
			return fmt.Errorf("resolver %q is not an IP address (give it as 9.9.9.9 or 9.9.9.9:53)", r)
		}
		clean = append(clean, r)
	}
	s.Resolvers = clean
	return a.db.SaveSettings(s)
}
