package views

// screenDef is one row of the table of screens.
type screenDef struct {
	ID    string
	Title string
	New   func(s *Shell, projectID string) Screen
}

// screenTable is the one table of screens; navigation goes through Open.
// (A function, not a var, because screens navigate through it.)
func screenTable() []screenDef {
	return []screenDef{
		{"projects", "Projects", func(s *Shell, _ string) Screen { return NewProjectsScreen(s) }},
		{"plan", "Plan", func(s *Shell, id string) Screen { return NewPlanScreen(s, id) }},
		{"activity", "Activity", func(s *Shell, id string) Screen { return NewActivityScreen(s, id) }},
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
