package views

// ScreenIDs lists the screens in table order: the names `--screen` accepts.
func ScreenIDs() []string {
	var ids []string
	for _, d := range screenTable() {
		ids = append(ids, d.ID)
	}
	return ids
}

// HasScreen reports whether id names a screen, so callers with a name
// from outside (the command line) can refuse it before Open would panic.
func HasScreen(id string) bool {
	for _, d := range screenTable() {
		if d.ID == id {
			return true
		}
	}
	return false
}
