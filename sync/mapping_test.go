package sync

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

var (
	nsSlash = Namespace{Separator: "/"}
	nsDot   = Namespace{Separator: ".", Prefix: "INBOX."}
)

func folders(names ...string) []SourceFolder {
	var out []SourceFolder
	for _, n := range names {
		role := RoleNone
		if i := strings.Index(n, " \\"); i > 0 { // "Sent \Sent" marks a role
			n, role = n[:i], Role(n[i+1:])
		}
		out = append(out, SourceFolder{Name: n, Role: role})
	}
	return out
}

func mustProfile(t testing.TB, name string) Profile {
	p, err := ProfileByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// want is source -> "dest|reason,reason" (reasons only when checked).
func checkMapping(t *testing.T, m Mapping, want map[string]string) {
	t.Helper()
	for src, w := range want {
		f, ok := m.Lookup(src)
		if !ok {
			t.Errorf("%q: not in the mapping", src)
			continue
		}
		dest, reasons, _ := strings.Cut(w, "|")
		if f.Dest != dest {
			t.Errorf("%q -> %q (%v %q), want %q", src, f.Dest, f.Reasons, f.Notes, dest)
		}
		for _, r := range strings.Split(reasons, ",") {
			if r != "" && !hasReason(f, Reason(r)) {
				t.Errorf("%q -> %q: reasons %v lack %s", src, f.Dest, f.Reasons, r)
			}
		}
	}
	assertInjective(t, m)
}

// assertInjective is the mapping's contract: no two folders share a
// destination, compared without case, and every folder has a reason.
func assertInjective(t testing.TB, m Mapping) {
	t.Helper()
	seen := map[string]string{}
	for _, f := range m.Folders {
		if len(f.Reasons) == 0 {
			t.Fatalf("%q has no reason", f.Source)
		}
		if f.Excluded {
			if f.Dest != "" {
				t.Fatalf("excluded %q has destination %q", f.Source, f.Dest)
			}
			continue
		}
		if f.Dest == "" {
			t.Fatalf("%q has no destination", f.Source)
		}
		if other, dup := seen[fold(f.Dest)]; dup {
			t.Fatalf("%q and %q both map to %q", other, f.Source, f.Dest)
		}
		seen[fold(f.Dest)] = f.Source
	}
}

func TestMappingSeparatorsAndPrefixes(t *testing.T) {
	m := BuildMapping(MapInput{
		Source: nsSlash, Folders: folders("INBOX", "Work", "Work/2020", "a.b", "INBOX/Sub", "Sub", `Sent \Sent`),
		Dest: nsDot, DestFolders: folders("INBOX", `INBOX.Sent \Sent`), Profile: mustProfile(t, "generic"),
	})
	checkMapping(t, m, map[string]string{
		"INBOX":     "INBOX|inbox",
		"Work":      "INBOX.Work|translated",
		"Work/2020": "INBOX.Work.2020|translated",
		"a.b":       "INBOX.a_b|renamed-separator",
		"Sent":      "INBOX.Sent|role",
		"Sub":       "INBOX.Sub|translated",
		"INBOX/Sub": "INBOX.Sub (2)|renamed-collision", // on an INBOX. server both are INBOX.Sub
	})

	back := BuildMapping(MapInput{
		Source: nsDot, Folders: folders("INBOX", "INBOX.Work", "INBOX.Work.2020", "INBOX.a/b", `INBOX.Sent \Sent`),
		Dest: nsSlash, DestFolders: folders("INBOX", `Sent \Sent`), Profile: mustProfile(t, "generic"),
	})
	checkMapping(t, back, map[string]string{
		"INBOX.Work":      "Work|translated",
		"INBOX.Work.2020": "Work/2020",
		"INBOX.a/b":       "a_b|renamed-separator",
		"INBOX.Sent":      "Sent|role",
	})
}

// The destination's own role folders win, whatever they are called there
// (a German Exchange, even with the M365 profile naming "Sent Items"):
// the source's role folders go to them, and a source folder that merely
// has the destination's name is not merged into it.
func TestMappingUsesTheDestinationsRoleFolders(t *testing.T) {
	m := BuildMapping(MapInput{
		Source: nsSlash, Profile: mustProfile(t, "m365"),
		Folders: folders("INBOX", `Sent \Sent`, `Deleted Messages \Trash`, `Spam \Junk`, "Gesendete Elemente"),
		Dest:    nsSlash, DestFolders: folders("INBOX", `Gesendete Elemente \Sent`, `Gelöschte Elemente \Trash`, `Junk-E-Mail \Junk`),
	})
	checkMapping(t, m, map[string]string{
		"Sent":               "Gesendete Elemente|role",
		"Deleted Messages":   "Gelöschte Elemente|role",
		"Spam":               "Junk-E-Mail|role",
		"Gesendete Elemente": "Gesendete Elemente (2)|renamed-collision",
	})
}

func TestMappingMicrosoft365(t *testing.T) {
	m := BuildMapping(MapInput{
		Source: nsDot, Profile: mustProfile(t, "m365"),
		Folders: folders("INBOX", `INBOX.Sent \Sent`, "INBOX.Sent.2019", `INBOX.Trash \Trash`, "INBOX.Junk",
			"INBOX.Drafts", "INBOX.Archive", "INBOX.Calendar", "INBOX.Calendar.Old", "INBOX.files", "INBOX.Sent Items", "INBOX.a/b"),
	})
	if m.Dest != (Namespace{Separator: "/"}) {
		t.Fatalf("assumed destination namespace %+v", m.Dest)
	}
	checkMapping(t, m, map[string]string{
		"INBOX.Sent":         "Sent Items|role",
		"INBOX.Sent.2019":    "Sent Items/2019|parent-renamed",
		"INBOX.Trash":        "Deleted Items|role",
		"INBOX.Junk":         "Junk Email|role", // recognised by name
		"INBOX.Drafts":       "Drafts|role",
		"INBOX.Archive":      "Archive|role",
		"INBOX.Calendar":     "Calendar (2)|renamed-reserved",
		"INBOX.Calendar.Old": "Calendar (2)/Old|parent-renamed",
		"INBOX.files":        "files (2)|renamed-reserved",
		"INBOX.Sent Items":   "Sent Items (2)|renamed-collision",
		"INBOX.a/b":          "a_b|renamed-separator",
	})
	if p := mustProfile(t, "m365"); p.MaxMessageBytes != 35<<20 {
		t.Fatalf("m365 limit %d", p.MaxMessageBytes)
	}
}

func TestMappingGmail(t *testing.T) {
	m := BuildMapping(MapInput{
		Source: nsSlash, Profile: mustProfile(t, "gmail"),
		Folders: folders("INBOX", `Sent \Sent`, "Important", `Spam \Junk`, "Clients/ACME"),
	})
	checkMapping(t, m, map[string]string{
		"Sent":         "[Gmail]/Sent Mail|role",
		"Spam":         "[Gmail]/Spam|role",
		"Important":    "Important (2)|renamed-reserved",
		"Clients/ACME": "Clients/ACME|translated",
	})
}

func TestMappingCollisionsAreRenamedNeverMerged(t *testing.T) {
	m := BuildMapping(MapInput{
		Source: nsSlash, Profile: mustProfile(t, "generic"),
		Folders: folders("INBOX", "Work", "work", "WORK", "Work (2)", "Foo ", "Foo", " ", "R&D", "r&d"),
	})
	checkMapping(t, m, map[string]string{
		"WORK":     "WORK|translated", // byte order: "WORK" < "Work" < "Work (2)" < "work"
		"Work":     "Work (2)|renamed-collision",
		"Work (2)": "Work (2) (2)|renamed-collision",
		"work":     "work (3)|renamed-collision",
		"Foo":      "Foo|translated",
		"Foo ":     "Foo (2)|renamed-spaces,renamed-collision",
		" ":        "(unnamed)|renamed-spaces",
		"R&D":      "R&D|translated",
		"r&d":      "r&d (2)|renamed-collision",
	})
}

func TestMappingOverridesExclusionsAndKeptNames(t *testing.T) {
	in := MapInput{
		Source: nsSlash, Profile: mustProfile(t, "generic"), Dest: nsDot,
		Folders:   folders("INBOX", "Old", "Old/x", "Private", "Private/y", "Work"),
		Overrides: []Override{{Source: "Old", To: "Legacy.Old"}, {Source: "Private", Exclude: true}, {Source: "Work", To: "INBOX.Legacy.Old"}},
	}
	m := BuildMapping(in)
	checkMapping(t, m, map[string]string{
		"Old":       "INBOX.Legacy.Old|override",
		"Old/x":     "INBOX.Legacy.Old.x|parent-renamed",
		"Private":   "|excluded",
		"Private/y": "INBOX.Private.y|translated",
		"Work":      "INBOX.Legacy.Old (2)|override,renamed-collision", // the user's choice never merges
	})
	// A new folder that sorts first must not take a name mail already went to.
	in.Previous = &m
	in.Folders = append(in.Folders, SourceFolder{Name: "OLD"}, SourceFolder{Name: "Private/Y"})
	in.Overrides = m.Overrides
	m2 := BuildMapping(in)
	checkMapping(t, m2, map[string]string{
		"Private/y": "INBOX.Private.y|kept",
		"Private/Y": "INBOX.Private.Y (2)|renamed-collision",
		"Old":       "INBOX.Legacy.Old|override",
		"OLD":       "INBOX.OLD|translated",
	})
	// Removing an override (--auto) recomputes the folder.
	m2.SetOverride(Override{Source: "Old"})
	in.Previous, in.Overrides = &m2, m2.Overrides
	m3 := BuildMapping(in)
	checkMapping(t, m3, map[string]string{"Old": "INBOX.Old (2)|renamed-collision", "OLD": "INBOX.OLD|kept", "Old/x": "INBOX.Legacy.Old.x|parent-renamed,kept"})
}

// A name kept from the saved mapping keeps why it was chosen: after the
// first push the preview and the report still say a folder was renamed,
// and why (they said "kept" only, and "0 renamed").
func TestKeptNamesKeepTheirReasons(t *testing.T) {
	in := MapInput{Source: nsSlash, Profile: mustProfile(t, ProfileM365), Dest: nsDot,
		Folders: folders("INBOX", "Files", "a.b", "Sent \\Sent", "Projects")}
	first := BuildMapping(in)
	in.Previous = &first
	again := BuildMapping(in)
	want := map[string]string{
		"Files":    "INBOX.Files (2)|renamed-reserved,kept",
		"a.b":      "INBOX.a_b|renamed-separator,kept",
		"Sent":     "INBOX.Sent Items|role,kept",
		"Projects": "INBOX.Projects|kept",
	}
	checkMapping(t, again, want)
	for _, src := range []string{"Files", "a.b"} {
		f, _ := again.Lookup(src)
		was, _ := first.Lookup(src)
		if !f.Renamed() || len(f.Notes) != len(was.Notes)+1 || !reflect.DeepEqual(f.Notes[:len(was.Notes)], was.Notes) {
			t.Errorf("%s kept: renamed %v, reasons %v, notes %q (first %q)", src, f.Renamed(), f.Reasons, f.Notes, was.Notes)
		}
	}
	// Built again on its own result, nothing piles up.
	in.Previous = &again
	if third := BuildMapping(in); !reflect.DeepEqual(third, again) {
		t.Fatalf("a third build differs:\n%+v\n%+v", third, again)
	}
}

func TestMappingIsDeterministic(t *testing.T) {
	fs := folders("INBOX", "A", "a", "a/b", "A/b", "Sent", `Sent Messages \Sent`, "Trash", "Corbeille", "x.y", "Ünïcödé", "ünïcödé ")
	first := BuildMapping(MapInput{Source: nsSlash, Folders: fs, Dest: nsDot, Profile: mustProfile(t, "m365")})
	assertInjective(t, first)
	if f, _ := first.Lookup("Sent Messages"); f.Role != RoleSent || f.Dest != "INBOX.Sent Items" {
		t.Fatalf("advertised \\Sent should win over the name guess: %+v", f)
	}
	if f, _ := first.Lookup("Sent"); f.Role != RoleNone {
		t.Fatalf("second Sent folder got a role: %+v", f)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		r.Shuffle(len(fs), func(a, b int) { fs[a], fs[b] = fs[b], fs[a] })
		again := BuildMapping(MapInput{Source: nsSlash, Folders: fs, Dest: nsDot, Profile: mustProfile(t, "m365")})
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("order-dependent mapping:\n%+v\n%+v", first, again)
		}
	}
}
