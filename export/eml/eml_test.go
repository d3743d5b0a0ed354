package eml

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"Inbox":               "Inbox",
		"a/b\\c:d*e?f\"g<h>|": "a_b_c_d_e_f_g_h__",
		"trailing dots...":    "trailing dots",
		"  lead and trail  ":  "lead and trail",
		"CON":                 "_CON",
		"nul.txt":             "_nul.txt",
		"":                    "_",
		"...":                 "_",
		"tab\there\x00":       "tab_here_",
		"Grüße 日本":            "Grüße 日本",
	} {
		if got := SafeName(in, 120); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("日", 100)
	if got := SafeName(long, 80); len(got) > 80 || !utf8.ValidString(got) {
		t.Errorf("cut %q is %d bytes or invalid UTF-8", got, len(got))
	}
}

// TestFolderDirNeverMerges: folders whose safe names collide get distinct
// directories, stable across calls.
func TestFolderDirNeverMerges(t *testing.T) {
	taken := map[string]string{}
	a := FolderDir("/r", []string{"Inbox", "a/b"}, taken)
	b := FolderDir("/r", []string{"Inbox", "a_b"}, taken)
	c := FolderDir("/r", []string{"INBOX", "x"}, taken)
	d := FolderDir("/r", []string{"Inbox", "a/b"}, taken)
	if a == b || a != d {
		t.Errorf("a=%s b=%s d=%s", a, b, d)
	}
	if filepath.Dir(c) == filepath.Join("/r", "Inbox") {
		t.Errorf("INBOX merged into Inbox: %s", c)
	}
}

func TestWriteRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName(1, "Re: hi/there"))
	n, sum, err := Write(p, bytes.NewReader([]byte("x\r\n")))
	if err != nil || n != 3 || sum != sha256.Sum256([]byte("x\r\n")) {
		t.Fatal(n, err)
	}
	if filepath.Base(p) != "000001 Re_ hi_there.eml" {
		t.Errorf("name %q", filepath.Base(p))
	}
	if _, _, err := Write(p, bytes.NewReader(nil)); err == nil {
		t.Error("overwrote an existing file")
	}
	b, _ := os.ReadFile(p)
	if string(b) != "x\r\n" {
		t.Errorf("content %q", b)
	}
}
