package sync

import (
	"sort"
	"strings"
)

// Reason says why a folder's destination name is what it is. Every name
// that is not the plain translation of the source name carries at least
// one reason other than ReasonTranslated.
type Reason string

const (
	ReasonTranslated Reason = "translated"        // separator and prefix translated, nothing else
	ReasonInbox      Reason = "inbox"             // INBOX goes to INBOX
	ReasonRole       Reason = "role"              // special-use folder to the destination's folder of that role
	ReasonOverride   Reason = "override"          // the user chose the name
	ReasonExcluded   Reason = "excluded"          // the user excluded the folder
	ReasonKept       Reason = "kept"              // name kept from the saved mapping (mail may already be there)
	ReasonParent     Reason = "parent-renamed"    // follows its renamed parent folder
	ReasonSeparator  Reason = "renamed-separator" // the destination's separator inside a name level
	ReasonCharacter  Reason = "renamed-character" // control, forbidden or non-UTF-8 characters
	ReasonSpaces     Reason = "renamed-spaces"    // leading/trailing spaces, empty level
	ReasonLength     Reason = "renamed-length"    // too long for the destination
	ReasonReserved   Reason = "renamed-reserved"  // the destination reserves the name
	ReasonCollision  Reason = "renamed-collision" // another folder already has the name (any case)
)

// FolderMap is where one source folder goes.
type FolderMap struct {
	Source    string   `json:"source"`         // as the source lists it (UTF-8)
	Dest      string   `json:"dest,omitempty"` // full destination name (UTF-8); "" when excluded
	Role      Role     `json:"role,omitempty"`
	Excluded  bool     `json:"excluded,omitempty"`
	Container bool     `json:"container,omitempty"` // \Noselect on the source: holds folders, no mail
	Reasons   []Reason `json:"reasons"`
	Notes     []string `json:"notes,omitempty"` // the reasons in words, for the preview and report
}

// Renamed reports a destination name that is more than the translation.
func (f FolderMap) Renamed() bool {
	for _, r := range f.Reasons {
		if strings.HasPrefix(string(r), "renamed-") || r == ReasonParent {
			return true
		}
	}
	return false
}

// Override is the user's choice for one source folder: a destination name
// (in the destination's spelling, prefix optional) or exclusion.
type Override struct {
	Source  string `json:"source"`
	To      string `json:"to,omitempty"`
	Exclude bool   `json:"exclude,omitempty"`
}

// SourceFolder is one folder as the source lists it.
type SourceFolder struct {
	Name     string `json:"name"`
	Role     Role   `json:"role,omitempty"` // advertised special use
	NoSelect bool   `json:"noselect,omitempty"`
}

// Mapping is a mailbox's folder mapping: the inputs that decide it (profile,
// namespaces, the user's overrides) and the result, one entry per source
// folder in source order. It is stored as JSON (see SaveMapping).
type Mapping struct {
	Version   int         `json:"version"`
	Profile   string      `json:"profile"`
	Source    Namespace   `json:"source"`
	Dest      Namespace   `json:"dest"`
	Overrides []Override  `json:"overrides,omitempty"`
	Folders   []FolderMap `json:"folders"`
}

// Lookup returns a source folder's entry.
func (m Mapping) Lookup(source string) (FolderMap, bool) {
	for _, f := range m.Folders {
		if f.Source == source {
			return f, true
		}
	}
	return FolderMap{}, false
}

// SetOverride records (or, when o has neither To nor Exclude, removes) the
// user's choice for o.Source. Call BuildMapping again to apply it.
func (m *Mapping) SetOverride(o Override) {
	out := m.Overrides[:0:0]
	for _, x := range m.Overrides {
		if x.Source != o.Source {
			out = append(out, x)
		}
	}
	if o.To != "" || o.Exclude {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	m.Overrides = out
}

// MapInput is everything the mapping depends on.
type MapInput struct {
	Source      Namespace
	Folders     []SourceFolder
	Dest        Namespace      // zero: the profile's assumption
	DestFolders []SourceFolder // the destination's folders, when probed (role folders)
	Profile     Profile
	Overrides   []Override
	// Previous, when set, is the saved mapping: folders it mapped keep
	// their destination (mail may already be there), unless the user now
	// overrides them or the profile or destination namespace changed.
	Previous *Mapping
}

// SourceFoldersOf turns an inventory into mapping input.
func SourceFoldersOf(info ServerInfo) (Namespace, []SourceFolder) {
	ns := Namespace{Separator: info.Separator, Prefix: info.Prefix}
	out := make([]SourceFolder, 0, len(info.Folders))
	for _, f := range info.Folders {
		out = append(out, SourceFolder{Name: f.Name, Role: Role(f.SpecialUse), NoSelect: f.NoSelect})
	}
	return ns, out
}
