package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type run struct {
	code           int
	stdout, stderr string
}

// runCLI runs one command line against dataDir with MAILSHIFT_* variables
// from vars and no terminal, as a script would.
func runCLI(t *testing.T, dataDir string, vars map[string]string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Version: "9.9.9",
		Getenv: func(k string) string {
			if k == "MAILSHIFT_KEYCHAIN" {
				return "off" // never touch the developer's real keychain
			}
			return vars[k]
		}}
	g, rest, err := ParseGlobal(append([]string{"--data", dataDir}, args...))
	if err != nil {
		t.Fatal(err)
	}
	code := Run(context.Background(), env, g, rest)
	return run{code, out.String(), errb.String()}
}

// aWeekAhead is a cutover date the tests can use on any day they run
// (the demo registration's expiry is relative to today as well).
func aWeekAhead() string { return time.Now().Add(7 * 24 * time.Hour).Format("2006-01-02T15:04") }

func TestProjectMailboxesChecklistEndToEnd(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"MAILSHIFT_PASSPHRASE": "s3cret passphrase"}
	r := runCLI(t, dir, vars, "project", "new", "Acme Dental", "--domain", "acme-dental.test",
		"--source", "imaps://mail.oldhost.test", "--profile", "m365", "--cutover", aWeekAhead(), "--by", "Tess")
	if r.code != 0 || !strings.Contains(r.stdout, "created project acme-dental") {
		t.Fatalf("project new: %+v", r)
	}
	r = runCLI(t, dir, vars, "project", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "acme-dental") || !strings.Contains(r.stdout, "0/12 steps done") {
		t.Fatalf("project list: %+v", r)
	}
	csv := filepath.Join(t.TempDir(), "users.csv")
	os.WriteFile(csv, []byte("EmailAddress,UserName,Password\nann@acme-dental.test,ann,Canary-Pw-991\n"), 0o600)
	r = runCLI(t, dir, vars, "mailboxes", "import", csv, "--project", "acme-dental")
	if r.code != 0 || !strings.Contains(r.stdout, "imported 1 mailbox") {
		t.Fatalf("import: %+v", r)
	}
	r = runCLI(t, dir, vars, "checklist", "tick", "agree-terms", "--project", "acme-dental", "--by", "Tess")
	if r.code != 0 || !strings.Contains(r.stdout, "DONE") {
		t.Fatalf("tick: %+v", r)
	}
	r = runCLI(t, dir, vars, "checklist", "untick", "agree-terms", "--project", "acme-dental", "--by", "Tess")
	if r.code == 0 || !strings.Contains(r.stderr, "reason is required") {
		t.Fatalf("untick without reason: %+v", r)
	}
	r = runCLI(t, dir, vars, "checklist", "show", "--project", "acme-dental")
	if r.code != 0 || !strings.Contains(r.stdout, "[x] agree-terms") || !strings.Contains(r.stdout, "Phase 3") {
		t.Fatalf("show: %+v", r)
	}
	r = runCLI(t, dir, vars, "project", "show", "acme-dental")
	if r.code != 0 || !strings.Contains(r.stdout, "Mailboxes:   1") || !strings.Contains(r.stdout, "imaps://mail.oldhost.test:993") {
		t.Fatalf("show: %+v", r)
	}
	// The password never reaches any file in the data folder in plain text.
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("Canary-Pw-991")) {
				t.Errorf("%s holds the password in plain text", p)
			}
		}
		return nil
	})
}

func TestBadInputGetsClearMessagesAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"project"}, 2, "say new, list or show"},
		{[]string{"project", "new"}, 2, "give the project a name"},
		{[]string{"project", "new", "X", "--source", "imap://old.test"}, 2, "unencrypted"},
		{[]string{"project", "new", "X", "--cutover", "tomorrow"}, 2, "is not a date"},
		{[]string{"project", "show", "nope"}, 1, "not found"},
		{[]string{"mailboxes", "import", "/no/such.csv", "--project", "x"}, 1, "open the CSV file"},
		{[]string{"checklist", "tick", "agree-terms"}, 2, "--project"},
	}
	for _, c := range cases {
		r := runCLI(t, dir, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: code %d stderr %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}

func TestHelpListsCommandsAndFlags(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, dir, nil, "--help")
	for _, name := range []string{"project", "mailboxes", "checklist"} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("--help lacks %s", name)
		}
	}
	r = runCLI(t, dir, nil, "project", "new", "--help")
	if r.code != 0 || !strings.Contains(r.stderr, "-domain") {
		t.Errorf("project new --help: %+v", r)
	}
	r = runCLI(t, dir, nil, "--version")
	if r.stdout != "mailshift 9.9.9\n" {
		t.Errorf("--version: %q", r.stdout)
	}
}

func TestImportWithoutPassphraseOrKeychainSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	runCLI(t, dir, nil, "project", "new", "P")
	csv := filepath.Join(t.TempDir(), "u.csv")
	os.WriteFile(csv, []byte("EmailAddress,UserName,Password\na@p.test,a,pw\n"), 0o600)
	r := runCLI(t, dir, nil, "mailboxes", "import", csv, "--project", "p")
	if r.code != 1 || !strings.Contains(r.stderr, "MAILSHIFT_PASSPHRASE") {
		t.Fatalf("%+v", r)
	}
}
