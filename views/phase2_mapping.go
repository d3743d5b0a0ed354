package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mailshift/store"
	"mailshift/sync"
)

// MappingTab previews one mailbox's folder mapping (source folder to
// destination folder, with the reason for every rename) and edits it:
// a row's destination name, exclusion, or back to automatic. Changes are
// saved at once; the next push uses them.
type MappingTab struct {
	m *MigrateScreen

	Mailbox                  *widget.Select
	Notes, Problem, Selected *widget.Label
	Table                    *widget.Table
	DestName                 *widget.Entry
	Rename, Exclude, Auto    *widget.Button
	folders                  []sync.FolderMap
	mailbox                  string // whose mapping is shown (UI goroutine)
	selected                 string // the source folder being edited
	content                  fyne.CanvasObject
}

var mappingColumns = []column{{"Source folder", 200}, {"Destination folder", 200}, {"Role", 80}, {"Change", 110}, {"Why", 360}}

func newMappingTab(m *MigrateScreen) *MappingTab {
	t := &MappingTab{m: m}
	t.Mailbox = widget.NewSelect(nil, func(id string) { t.mailbox = id; t.load(id) })
	t.Mailbox.PlaceHolder = "Choose a mailbox"
	t.Notes, t.Problem, t.Selected = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("Choose a folder in the table to change where it goes.")
	t.Notes.Wrapping, t.Problem.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	t.Problem.Importance = widget.DangerImportance
	t.Table = newTextTable(mappingColumns, func() int { return len(t.folders) }, t.cellText)
	t.Table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(t.folders) {
			t.SelectFolder(t.folders[id.Row].Source)
		}
	}
	t.DestName = widget.NewEntry()
	t.DestName.SetPlaceHolder("destination folder name")
	t.Rename = widget.NewButton("Use this name", func() {
		name := strings.TrimSpace(t.DestName.Text)
		if name == "" {
			t.Problem.SetText("Type the destination folder's name first, or choose Exclude to leave the folder out.")
			return
		}
		t.set(sync.Override{Source: t.selected, To: name})
	})
	t.Exclude = widget.NewButton("Exclude", func() { t.set(sync.Override{Source: t.selected, Exclude: true}) })
	t.Auto = widget.NewButton("Automatic", func() { t.set(sync.Override{Source: t.selected}) })
	t.showEditor()
	top := container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel("Mailbox"), nil, t.Mailbox), t.Notes)
	editor := container.NewVBox(widget.NewSeparator(), t.Selected,
		container.NewBorder(nil, nil, nil, container.NewHBox(t.Rename, t.Exclude, t.Auto), t.DestName), t.Problem)
	t.content = container.NewBorder(top, editor, nil, nil, t.Table)
	return t
}

// loadMailboxes fills the mailbox choice and shows the first mailbox.
func (t *MappingTab) loadMailboxes() {
	inBackground(t.m, func(ctx context.Context) ([]store.Mailbox, error) {
		return t.m.shell.App.Mailboxes(ctx, t.m.projectID)
	}, func(mbs []store.Mailbox, err error) {
		if err != nil {
			t.Problem.SetText(couldNot("read the mailboxes", err))
			return
		}
		var ids []string
		for _, mb := range mbs {
			ids = append(ids, mb.ID)
		}
		t.Mailbox.SetOptions(ids)
		if len(ids) > 0 && t.Mailbox.Selected == "" {
			t.Mailbox.SetSelected(ids[0]) // loads it
		}
	})
}

// reload shows the current mailbox's mapping again (after a push saved it).
func (t *MappingTab) reload() {
	t.m.shell.Do(func() {
		if t.mailbox != "" {
			t.load(t.mailbox)
		}
	})
}

type mappingView struct {
	m     sync.Mapping
	notes []string
}

func (t *MappingTab) load(mailbox string) {
	inBackground(t.m, func(ctx context.Context) (mappingView, error) {
		m, notes, err := t.m.shell.App.Mapping(ctx, t.m.projectID, mailbox)
		return mappingView{m, notes}, err
	}, func(v mappingView, err error) {
		if mailbox != t.mailbox {
			return // another mailbox was chosen meanwhile
		}
		if err != nil {
			t.folders = nil
			t.Notes.SetText(couldNot("work out the folder mapping of "+mailbox, err))
		} else {
			t.folders = v.m.Folders
			words := []string{fmt.Sprintf("%d folders.", len(v.m.Folders))}
			for _, n := range v.notes {
				words = append(words, sentence(n))
			}
			t.Notes.SetText(strings.Join(words, " "))
		}
		t.Table.Refresh()
		t.showEditor()
	})
}

// SelectFolder picks the source folder the editor changes.
func (t *MappingTab) SelectFolder(source string) {
	t.selected = source
	t.Problem.SetText("")
	t.showEditor()
}

func (t *MappingTab) showEditor() {
	f, ok := t.lookup(t.selected)
	if !ok {
		t.selected = ""
		for _, b := range []*widget.Button{t.Rename, t.Exclude, t.Auto} {
			b.Disable()
		}
		return
	}
	t.Selected.SetText(fmt.Sprintf("%q goes to %s", f.Source, destWords(f)))
	t.DestName.SetText(f.Dest)
	setEnabled(t.Rename, !f.Container)
	setEnabled(t.Exclude, !f.Excluded && !f.Container)
	setEnabled(t.Auto, hasReason(f, sync.ReasonOverride) || f.Excluded)
}

func (t *MappingTab) lookup(source string) (sync.FolderMap, bool) {
	for _, f := range t.folders {
		if f.Source == source && source != "" {
			return f, true
		}
	}
	return sync.FolderMap{}, false
}

// set saves one override and shows the rebuilt mapping.
func (t *MappingTab) set(o sync.Override) {
	mailbox := t.mailbox
	inBackground(t.m, func(ctx context.Context) (sync.Mapping, error) {
		_, m, err := t.m.shell.App.SetMapping(ctx, t.m.projectID, mailbox, o)
		return m, err
	}, func(m sync.Mapping, err error) {
		if err != nil {
			t.Problem.SetText(couldNot("change where "+o.Source+" goes", err))
			return
		}
		if mailbox == t.mailbox {
			t.folders = m.Folders
			t.Table.Refresh()
			t.showEditor()
		}
		t.Problem.SetText("")
		t.m.shell.SetStatus("Folder mapping of " + mailbox + " saved: the next push uses it.")
	})
}

// Folders is the mapping on show (tests).
func (t *MappingTab) Folders() []sync.FolderMap { return t.folders }

// cellText is one cell of the mapping table.
func (t *MappingTab) cellText(row, col int) string {
	if row >= len(t.folders) {
		return ""
	}
	f := t.folders[row]
	switch col {
	case 0:
		return f.Source
	case 1:
		return destWords(f)
	case 2:
		return string(f.Role)
	case 3:
		return changeWord(f)
	case 4:
		return strings.Join(f.Notes, "; ")
	}
	return ""
}

func destWords(f sync.FolderMap) string {
	switch {
	case f.Excluded:
		return "(excluded)"
	case f.Container:
		return f.Dest + " (holds folders only)"
	}
	return f.Dest
}

func changeWord(f sync.FolderMap) string {
	switch {
	case f.Excluded:
		return "excluded"
	case hasReason(f, sync.ReasonOverride):
		return "your choice"
	case f.Renamed():
		return "renamed"
	case hasReason(f, sync.ReasonRole):
		return "role folder"
	}
	return ""
}

func hasReason(f sync.FolderMap, r sync.Reason) bool {
	for _, x := range f.Reasons {
		if x == r {
			return true
		}
	}
	return false
}
