package sync

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// tortureFolders is RELIABILITY.md #16 as '/'-separated paths: non-ASCII
// (mUTF-7 on the wire), '&', the other server's separator inside a name,
// trailing and leading spaces, names a destination reserves, case
// collisions, role folders with children.
var tortureFolders = []string{
	"Café & Co", "日本語/メール", "A&B", "&-literal", "&AOk-", "with  two spaces",
	"Trailing ", " Leading", "dotted.name", "Projects", "projects", "PROJECTS/2024",
	"Calendar", "Files", "Sent", "Sent/2019", "Trash", "Корзина", "📁 Archive 2020", "INBOX/Child",
}

// tortureSource renders the torture set in a source namespace: on a '.'
// server the '/' levels become '.', and a '/' inside a name stays.
func tortureSource(ns Namespace) []SourceFolder {
	out := []SourceFolder{{Name: "INBOX"}}
	for _, p := range tortureFolders {
		if ns.Separator == "." {
			p = strings.NewReplacer(".", "/", "/", ".").Replace(p)
			if p == "INBOX.Child" {
				out = append(out, SourceFolder{Name: "INBOX.Child"})
				continue
			}
		}
		out = append(out, SourceFolder{Name: ns.Prefix + p})
	}
	return out
}

func TestFolderNameTortureMapping(t *testing.T) {
	for _, dir := range []struct{ src, dst Namespace }{{nsSlash, nsDot}, {nsDot, nsSlash}} {
		for _, prof := range []string{ProfileGeneric, ProfileM365, ProfileGmail} {
			t.Run(fmt.Sprintf("%s to %s %s", dir.src.Separator, dir.dst.Separator, prof), func(t *testing.T) {
				m := BuildMapping(MapInput{Source: dir.src, Folders: tortureSource(dir.src), Dest: dir.dst, Profile: mustProfile(t, prof)})
				assertInjective(t, m)
				if len(m.Folders) != len(tortureFolders)+1 {
					t.Fatalf("%d folders mapped", len(m.Folders))
				}
				for _, f := range m.Folders {
					if f.Renamed() && len(f.Notes) == 0 {
						t.Errorf("%q renamed to %q without a note", f.Source, f.Dest)
					}
					wire, err := EncodeMUTF7(f.Dest)
					if err != nil {
						t.Fatal(err)
					}
					if back, err := DecodeMUTF7(wire); err != nil || back != f.Dest {
						t.Errorf("%q does not survive the wire: %q -> %q %v", f.Dest, wire, back, err)
					}
					for _, l := range dir.dst.levels(f.Dest) {
						if l != strings.TrimSpace(l) || l == "" {
							t.Errorf("%q has a level %q with spaces at an end", f.Dest, l)
						}
					}
				}
				sep, pre := dir.dst.Separator, dir.dst.Prefix
				checks := map[string]string{
					"Café & Co": pre + "Café & Co|translated",
					"A&B":       pre + "A&B|translated",
					"&AOk-":     pre + "&AOk-|translated", // a literal name that looks like mUTF-7 stays literal
					"Trailing ": pre + "Trailing|renamed-spaces",
					"Projects":  pre + "Projects|translated",
					"projects":  pre + "projects (2)|renamed-collision",
				}
				if prof == ProfileM365 {
					checks["Calendar"] = pre + "Calendar (2)|renamed-reserved"
					checks["Sent/2019"] = pre + "Sent Items" + sep + "2019|parent-renamed"
				}
				want := map[string]string{}
				for k, v := range checks {
					want[tortureSource(dir.src)[indexOf(k)+1].Name] = v
				}
				checkMapping(t, m, want)
			})
		}
	}
}

func indexOf(name string) int {
	for i, n := range tortureFolders {
		if n == name {
			return i
		}
	}
	panic(name)
}

// The mapped torture set is accepted by a real server of the other style:
// every destination name is created on Dovecot and listed back exactly,
// with the source read by the engine's own Probe.
func TestFolderNameTortureOnRealDovecot(t *testing.T) {
	styles := []testenv.DovecotOptions{{Separator: "/"}, {Separator: ".", Prefix: "INBOX."}}
	for i, so := range styles {
		do := styles[1-i]
		t.Run(fmt.Sprintf("%s to %s", so.Separator, do.Separator), func(t *testing.T) {
			src, dst := testenv.StartDovecot(t, so), testenv.StartDovecot(t, do)
			c := src.Dial(t, testenv.DefaultUser)
			for _, f := range tortureSource(Namespace{Separator: so.Separator, Prefix: so.Prefix})[1:] {
				if so.Separator == "." && strings.Contains(f.Name, "/") {
					continue // Dovecot's Maildir++ layout refuses '/' in a name (the pure test covers it)
				}
				if err := c.Create(f.Name, nil).Wait(); err != nil {
					t.Fatalf("create %q on the source: %v", f.Name, err)
				}
			}
			c.Close()
			ctx := context.Background()
			srcInfo := probe(t, ctx, endpointFor(src, src.Addr, store.SecurityPlain, testenv.DefaultUser))
			dstInfo := probe(t, ctx, endpointFor(dst, dst.Addr, store.SecurityPlain, testenv.DefaultUser))
			ns, fs := SourceFoldersOf(srcInfo)
			dns, dfs := SourceFoldersOf(dstInfo)
			m := BuildMapping(MapInput{Source: ns, Folders: fs, Dest: dns, DestFolders: dfs, Profile: mustProfile(t, ProfileM365)})
			assertInjective(t, m)
			dc := dst.Dial(t, testenv.DefaultUser)
			defer dc.Close()
			for _, f := range m.Folders {
				if f.Dest != "INBOX" && !f.Container {
					if err := dc.Create(f.Dest, nil).Wait(); err != nil {
						t.Fatalf("create %q (from %q) on the destination: %v", f.Dest, f.Source, err)
					}
				}
			}
			listed := map[string]bool{}
			boxes, err := dc.List("", "*", nil).Collect()
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range boxes {
				if !hasAttr(b.Attrs, imap.MailboxAttrNoSelect) && !hasAttr(b.Attrs, imap.MailboxAttrNonExistent) {
					listed[b.Mailbox] = true
				}
			}
			for _, f := range m.Folders {
				if !f.Container && !listed[f.Dest] {
					t.Errorf("%q -> %q is not listed on the destination (listed: %v)", f.Source, f.Dest, listed)
				}
			}
			if len(m.Folders) < len(tortureFolders) {
				t.Fatalf("probe saw %d folders", len(m.Folders))
			}
		})
	}
}

func probe(t *testing.T, ctx context.Context, ep Endpoint) ServerInfo {
	t.Helper()
	c, err := Dial(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := c.Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if x == a {
			return true
		}
	}
	return false
}

// FuzzMapFolder: any folder list, namespaces, profile, roles and overrides
// map without panicking, never send two folders to one destination, and
// give the same mapping whatever the input order.
func FuzzMapFolder(f *testing.F) {
	f.Add(strings.Join(tortureFolders, "\n"), uint8(0))
	f.Add("INBOX\nA\na\nA/b\na/B=>A/b\nSent\nSent Items", uint8(0x15))
	f.Add("INBOX.x\nINBOX.X\nINBOX\n.\n..\n/\n \n\xff", uint8(0x2b))
	f.Fuzz(func(t *testing.T, data string, opts uint8) {
		lines := strings.Split(data, "\n")
		if len(lines) > 64 {
			lines = lines[:64]
		}
		nss := []Namespace{nsSlash, nsDot, {Separator: "."}, {Separator: "/", Prefix: "INBOX/"}}
		in := MapInput{Source: nss[opts&3], Dest: nss[(opts>>2)&3], Profile: mustProfile(t, []string{ProfileGeneric, ProfileM365, ProfileGmail}[int(opts>>4)%3])}
		for i, l := range lines {
			name, to, isOverride := strings.Cut(l, "=>")
			sf := SourceFolder{Name: name, NoSelect: i%7 == 6}
			if opts&0x40 != 0 {
				sf.Role = mappedRoles[i%len(mappedRoles)]
			}
			in.Folders = append(in.Folders, sf)
			if isOverride {
				in.Overrides = append(in.Overrides, Override{Source: name, To: to, Exclude: to == ""})
			}
		}
		m := BuildMapping(in)
		assertInjective(t, m)
		for i, j := 0, len(in.Folders)-1; i < j; i, j = i+1, j-1 {
			in.Folders[i], in.Folders[j] = in.Folders[j], in.Folders[i]
		}
		reversed := BuildMapping(in)
		in.Previous = &m
		kept := BuildMapping(in)
		for _, again := range []Mapping{reversed, kept} {
			assertInjective(t, again)
			for _, fm := range m.Folders {
				if g, _ := again.Lookup(fm.Source); g.Dest != fm.Dest {
					t.Fatalf("%q: %q then %q", fm.Source, fm.Dest, g.Dest)
				}
			}
		}
	})
}
