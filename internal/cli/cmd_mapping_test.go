package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/sync"
)

const mappingPw = "Map-Canary-Pw-4711"

// runMapping runs a command outside the lead's table as a script would:
// buffers, no terminal, a temp data folder, the password in the environment.
func runMapping(t *testing.T, cmd Command, dataDir string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, DataDir: dataDir,
		Getenv: func(k string) string {
			return map[string]string{"MAILSHIFT_PASSWORD": mappingPw, "MAILSHIFT_SOURCE_PASSWORD": mappingPw,
				"MAILSHIFT_DEST_PASSWORD": mappingPw, "MAILSHIFT_KEYCHAIN": "off"}[k]
		}}
	err := cmd.Run(context.Background(), env, args)
	if strings.Contains(out.String()+errb.String(), mappingPw) {
		t.Fatalf("%s printed the password", cmd.Name)
	}
	return out.String(), errb.String(), err
}

// A real Dovecot ('.' separator, INBOX. prefix) inventoried into a
// Microsoft 365 project; the preview shows roles, reserved names and case
// collisions with reasons; set --to / --exclude / --auto are saved and
// shown; bad input is refused with a clear message.
func TestMappingShowAndSet(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", Users: map[string]string{"ann": mappingPw}})
	c := d.Dial(t, "ann")
	for _, f := range []string{"INBOX.Sent", "INBOX.Sent.2019", "INBOX.Calendar", "INBOX.Projects", "INBOX.projects", "INBOX.Café & Co"} {
		if err := c.Create(f, nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	data := t.TempDir()
	if r := runCLI(t, data, nil, "project", "new", "Acme", "--domain", "acme.test", "--profile", "m365"); r.code != 0 {
		t.Fatalf("project new: %+v", r)
	}
	if _, _, err := runMapping(t, mappingCommand(), data, "show", "--project", "acme", "--mailbox", "ann"); err == nil || !strings.Contains(err.Error(), "take an inventory") {
		t.Fatalf("show before any inventory: %v", err)
	}
	if _, _, err := runMapping(t, inventoryCommand(), data, "imap://"+d.Addr, "--user", "ann", "--allow-plaintext", "--project", "acme"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runMapping(t, mappingCommand(), data, "show", "--project", "acme", "--mailbox", "ann")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"m365 profile", "destination not probed yet",
		"INBOX.Sent       Sent Items", "role",
		"INBOX.Sent.2019  Sent Items/2019", "parent-renamed",
		"INBOX.Calendar   Calendar (2)", "renamed-reserved",
		"INBOX.projects   projects (2)", "renamed-collision",
		"INBOX.Café & Co  Café & Co",
		`"INBOX.Calendar": "Calendar" is reserved on a m365 destination`,
		"7 folder(s), 3 renamed, 0 excluded",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	out, errOut, err := runMapping(t, mappingCommand(), data, "set", "--project", "acme", "--mailbox", "ann", "--folder", "INBOX.projects", "--to", "Sent Items")
	if err != nil || !strings.Contains(out, `"INBOX.projects" -> "Sent Items (2)"`) || !strings.Contains(errOut, "already receives") {
		t.Fatalf("set --to a taken name: %v\n%s%s", err, out, errOut)
	}
	if out, _, err = runMapping(t, mappingCommand(), data, "set", "--project", "acme", "--mailbox", "ann", "--folder", "INBOX.Calendar", "--exclude"); err != nil || !strings.Contains(out, "will not be copied") {
		t.Fatalf("set --exclude: %v\n%s", err, out)
	}
	out, _, err = runMapping(t, mappingCommand(), data, "show", "--project", "acme", "--json")
	var all map[string]sync.Mapping
	if err != nil || json.Unmarshal([]byte(out), &all) != nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	m := all["ann"]
	if f, _ := m.Lookup("INBOX.Calendar"); !f.Excluded {
		t.Fatalf("exclusion not saved: %+v", f)
	}
	if f, _ := m.Lookup("INBOX.projects"); f.Dest != "Sent Items (2)" {
		t.Fatalf("override not saved: %+v", f)
	}
	if out, _, err = runMapping(t, mappingCommand(), data, "set", "--project", "acme", "--mailbox", "ann", "--folder", "INBOX.projects", "--auto"); err != nil || !strings.Contains(out, `-> "projects (2)"`) {
		t.Fatalf("set --auto: %v\n%s", err, out)
	}

	for _, tc := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"set", "--project", "acme", "--mailbox", "ann", "--folder", "INBOX.Nope", "--auto"}, false, `no folder "INBOX.Nope"`},
		{[]string{"set", "--project", "acme", "--mailbox", "ann", "--folder", "INBOX.Sent"}, true, "exactly one of"},
		{[]string{"set", "--project", "acme", "--mailbox", "ann", "--folder", "INBOX.Sent", "--to", "X", "--exclude"}, true, "exactly one of"},
		{[]string{"set", "--project", "acme", "--folder", "INBOX.Sent", "--auto"}, true, "give --project, --mailbox"},
		{[]string{"show"}, true, "give --project"},
		{[]string{"show", "--project", "nope"}, false, "not found"},
		{[]string{"frobnicate"}, true, "unknown verb"},
		{nil, true, "say show or set"},
	} {
		_, _, err := runMapping(t, mappingCommand(), data, tc.args...)
		if err == nil || errors.Is(err, ErrUsage) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mapping %v: %v, want usage=%v error saying %q", tc.args, err, tc.usage, tc.want)
		}
	}
	if _, errOut, err := runMapping(t, mappingCommand(), data, "set", "--help"); !errors.Is(err, errHelpShown) || !strings.Contains(errOut, "--exclude") {
		t.Errorf("set --help: %v %s", err, errOut)
	}
}
