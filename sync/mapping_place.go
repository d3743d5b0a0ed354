package sync

import (
	"fmt"
	"sort"
	"strings"
)

// How one folder's destination is proposed and claimed (see BuildMapping).

func (it *mapItem) note(r Reason, format string, args ...any) {
	it.fm.Reasons = append(it.fm.Reasons, r)
	it.fm.Notes = append(it.fm.Notes, fmt.Sprintf(format, args...))
}

// avoidReserved renames a top level the destination reserves.
func (it *mapItem) avoidReserved(levels []string, reserved map[string]bool, profile string) []string {
	first := []string{levels[0]}
	for n := 2; reserved[fold(first[0])]; n++ {
		first = withSuffix([]string{levels[0]}, n)
	}
	it.note(ReasonReserved, "%q is reserved on a %s destination: renamed %q", levels[0], profile, first[0])
	return append(first, levels[1:]...)
}

// claim takes the first free name among levels, levels " (2)", ...
func (it *mapItem) claim(levels []string, dest Namespace, taken map[string]string) {
	name := dest.join(levels)
	if other, ok := taken[fold(name)]; ok {
		orig := name
		for n := 2; ; n++ {
			cand := withSuffix(levels, n)
			if _, busy := taken[fold(dest.join(cand))]; !busy {
				levels, name = cand, dest.join(cand)
				break
			}
		}
		it.note(ReasonCollision, "%q already receives %q (names compare without case): renamed %q", orig, other, name)
	}
	taken[fold(name)] = it.src.Name
	it.final, it.fm.Dest, it.done = levels, name, true
}

// proposal is the destination path before reserved names and collisions.
func (it *mapItem) proposal(dest Namespace, p Profile, destFolders []SourceFolder, pins map[string]FolderMap,
	overrides map[string]Override, byName map[string]*mapItem) []string {
	switch it.class {
	case classInbox:
		it.note(ReasonInbox, "INBOX goes to INBOX")
		return []string{"INBOX"}
	case classKept:
		// Why the name was chosen stays with it (the preview and the
		// report say "renamed: reserved", not only "kept").
		prev := pins[it.src.Name]
		for i, r := range prev.Reasons {
			if r != ReasonKept && r != ReasonInbox && i < len(prev.Notes) {
				it.note(r, "%s", prev.Notes[i])
			}
		}
		it.note(ReasonKept, "kept from the saved mapping")
		return dest.levels(prev.Dest)
	case classRole:
		return it.roleLevels(dest, p, destFolders)
	case classOverride:
		it.note(ReasonOverride, "chosen by the user")
		return it.cleanAll(dest.levels(overrides[it.src.Name].To), 0, dest, p)
	}
	return it.underParent(dest, p, byName)
}

func (it *mapItem) roleLevels(dest Namespace, p Profile, destFolders []SourceFolder) []string {
	role := it.fm.Role
	fs := append([]SourceFolder(nil), destFolders...)
	sort.SliceStable(fs, func(i, j int) bool { return folderLess(fs[i].Name, fs[j].Name) })
	for _, f := range fs {
		if f.Role == role && !f.NoSelect {
			it.note(ReasonRole, "%s folder: the destination's %s folder", role, role)
			return dest.levels(f.Name)
		}
	}
	if lv := p.RoleFolders[role]; len(lv) > 0 {
		it.note(ReasonRole, "%s folder: the %s profile's %s folder", role, p.Name, role)
		return append([]string(nil), lv...)
	}
	it.note(ReasonTranslated, "no %s folder known on the destination", role)
	return it.cleanAll(it.levels, 0, dest, p)
}

// underParent places a folder under its nearest mapped ancestor.
func (it *mapItem) underParent(dest Namespace, p Profile, byName map[string]*mapItem) []string {
	for d := len(it.levels) - 1; d >= 1; d-- {
		anc := it.ancestorName(d)
		a, ok := byName[anc]
		if !ok || a.fm.Excluded || a.final == nil {
			continue
		}
		natural := it.cleanAll(it.levels[:d], -1, dest, p)
		if fold(dest.join(a.final)) != fold(dest.join(natural)) {
			it.note(ReasonParent, "follows its parent %q to %q", anc, a.fm.Dest)
		}
		return append(append([]string(nil), a.final...), it.cleanAll(it.levels[d:], 0, dest, p)...)
	}
	return it.cleanAll(it.levels, 0, dest, p)
}

// ancestorName is the source name of the first d levels: the name with its
// last len(levels)-d levels cut off.
func (it *mapItem) ancestorName(d int) string {
	tail := strings.Join(it.levels[d:], it.srcSep)
	return it.src.Name[:len(it.src.Name)-len(tail)-len(it.srcSep)]
}

// cleanAll cleans every level; quiet < 0 records no reasons.
func (it *mapItem) cleanAll(levels []string, quiet int, dest Namespace, p Profile) []string {
	out := make([]string, len(levels))
	for i, l := range levels {
		c, rs, notes := cleanLevel(l, dest, p)
		out[i] = c
		if quiet >= 0 {
			for k := range rs {
				it.note(rs[k], "%q: %s", l, notes[k])
			}
		}
	}
	return out
}
