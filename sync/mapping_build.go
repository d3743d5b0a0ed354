package sync

import (
	"sort"
)

// Processing classes: who gets a contested name first.
const (
	classInbox = iota
	classKept
	classRole
	classOverride
	classNormal
)

type mapItem struct {
	idx    int // position in source order
	src    SourceFolder
	levels []string // source path below the source prefix
	srcSep string
	class  int
	fm     FolderMap
	final  []string // destination levels once decided
	done   bool
}

// BuildMapping decides every source folder's destination. It is pure and
// deterministic: the same input (in any folder order) gives the same
// mapping. No two folders that are not excluded share a destination name,
// compared without case: a contested name is given to INBOX, then kept
// names, then role folders, then the user's choices, then the rest in
// depth and source order, and every other claimant is renamed " (2)",
// " (3)", ... with the reason recorded. Children follow their parent's
// destination.
func BuildMapping(in MapInput) Mapping {
	p := in.Profile
	if p.Name == "" {
		p, _ = ProfileByName(ProfileGeneric)
	}
	dest := in.Dest
	if dest.Separator == "" {
		dest = Namespace{Separator: p.Separator, Prefix: p.Prefix}
		if dest.Separator == "" {
			dest.Separator = "/"
		}
	}
	m := Mapping{Version: 1, Profile: p.Name, Source: in.Source, Dest: dest}
	for _, o := range in.Overrides {
		m.SetOverride(o)
	}
	overrides := map[string]Override{}
	for _, o := range m.Overrides {
		overrides[o.Source] = o
	}
	items := sourceItems(in.Source, in.Folders)
	roles := assignRoles(items)
	pins := keptNames(in.Previous, p.Name, dest, overrides)
	byName := map[string]*mapItem{}
	for _, it := range items {
		byName[it.src.Name] = it
		it.fm = FolderMap{Source: it.src.Name, Role: roles[it], Container: it.src.NoSelect}
		o, overridden := overrides[it.src.Name]
		_, kept := pins[it.src.Name]
		switch {
		case isInbox(it.src.Name):
			it.class = classInbox
		case overridden && o.Exclude:
			it.fm.Excluded, it.fm.Reasons = true, []Reason{ReasonExcluded}
			it.fm.Notes = []string{"excluded by the user"}
			it.done = true
		case kept:
			it.class = classKept
		case overridden:
			it.class = classOverride
		case roles[it] != RoleNone:
			it.class = classRole
		default:
			it.class = classNormal
		}
	}
	order := append([]*mapItem(nil), items...)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.class != b.class {
			return a.class < b.class
		}
		if len(a.levels) != len(b.levels) {
			return len(a.levels) < len(b.levels)
		}
		return a.idx < b.idx
	})
	taken := map[string]string{} // folded destination -> source that has it
	reserved := map[string]bool{}
	for _, r := range p.Reserved {
		reserved[fold(r)] = true
	}
	for _, it := range order {
		if it.done {
			continue
		}
		levels := it.proposal(dest, p, in.DestFolders, pins, overrides, byName)
		if it.class != classInbox && it.class != classRole && it.class != classKept && reserved[fold(levels[0])] {
			levels = it.avoidReserved(levels, reserved, p.Name)
		}
		it.claim(levels, dest, taken)
	}
	for _, it := range items {
		if len(it.fm.Reasons) == 0 {
			it.fm.Reasons = []Reason{ReasonTranslated}
		}
		m.Folders = append(m.Folders, it.fm)
	}
	return m
}

// sourceItems sorts folders into source order (INBOX first, then by name)
// and drops exact duplicates.
func sourceItems(ns Namespace, folders []SourceFolder) []*mapItem {
	fs := append([]SourceFolder(nil), folders...)
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Name != b.Name {
			return folderLess(a.Name, b.Name)
		}
		if a.NoSelect != b.NoSelect { // a duplicate listing: keep the selectable one
			return !a.NoSelect
		}
		return a.Role > b.Role
	})
	var items []*mapItem
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		items = append(items, &mapItem{idx: len(items), src: f, levels: ns.levels(f.Name), srcSep: ns.Separator})
	}
	return items
}

// assignRoles gives each mapped role to one folder: the first that the
// source marks with it, else the first top-level folder whose name is a
// common name for it.
func assignRoles(items []*mapItem) map[*mapItem]Role {
	out := map[*mapItem]Role{}
	claimed := map[Role]bool{}
	for _, it := range items {
		r := it.src.Role
		if !isInbox(it.src.Name) && !it.src.NoSelect && isMappedRole(r) && !claimed[r] {
			out[it], claimed[r] = r, true
		}
	}
	for _, it := range items {
		if _, ok := out[it]; ok || isInbox(it.src.Name) || it.src.NoSelect || len(it.levels) != 1 || it.src.Role != RoleNone {
			continue
		}
		if r := roleByName(it.levels[0]); r != RoleNone && !claimed[r] {
			out[it], claimed[r] = r, true
		}
	}
	return out
}

func isMappedRole(r Role) bool {
	for _, x := range mappedRoles {
		if r == x {
			return true
		}
	}
	return false
}

// keptNames are the previous mapping's automatic destinations, valid while
// the profile and destination namespace are unchanged.
func keptNames(prev *Mapping, profile string, dest Namespace, overrides map[string]Override) map[string]FolderMap {
	out := map[string]FolderMap{}
	if prev == nil || prev.Profile != profile || prev.Dest != dest {
		return out
	}
	for _, f := range prev.Folders {
		if _, ok := overrides[f.Source]; ok || f.Excluded || f.Dest == "" || hasReason(f, ReasonOverride) {
			continue
		}
		out[f.Source] = f
	}
	return out
}

func hasReason(f FolderMap, r Reason) bool {
	for _, x := range f.Reasons {
		if x == r {
			return true
		}
	}
	return false
}
