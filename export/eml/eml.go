// Package eml writes one .eml file per message into a folder tree whose
// names are safe on Windows, macOS and Linux.
package eml

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeName turns a folder or subject into a file name that every common
// file system accepts: no separators or reserved characters, no control
// characters, no trailing dots or spaces, not a reserved Windows device
// name, at most max bytes of UTF-8 (cut at a rune boundary). An empty
// result becomes "_".
func SafeName(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	out = strings.TrimRight(out, ". ")
	out = strings.TrimLeft(out, " ")
	if out == "" {
		return "_"
	}
	base := strings.ToUpper(out)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		out = "_" + out
	}
	return out
}

// FolderDir maps a folder path (segments) under root with safe names.
// Distinct folders whose safe names collide (case-insensitively, as on
// Windows and macOS) get a numeric suffix so they never merge; taken
// remembers the names given.
func FolderDir(root string, path []string, taken map[string]string) string {
	key := strings.Join(path, "\x00")
	if d, ok := taken[key]; ok {
		return d
	}
	parent := root
	if len(path) > 1 {
		parent = FolderDir(root, path[:len(path)-1], taken)
	}
	name := SafeName(path[len(path)-1], 120)
	dir := filepath.Join(parent, name)
	for n := 2; ; n++ {
		clash := false
		for k, d := range taken {
			if k != key && strings.EqualFold(d, dir) {
				clash = true
				break
			}
		}
		if !clash {
			break
		}
		dir = filepath.Join(parent, fmt.Sprintf("%s (%d)", name, n))
	}
	taken[key] = dir
	return dir
}

// FileName is the name of the n-th message (1-based) of a folder: a
// zero-padded number, so files sort in export order, then the subject.
func FileName(n int, subject string) string {
	s := SafeName(subject, 80)
	if s == "_" {
		return fmt.Sprintf("%06d.eml", n)
	}
	return fmt.Sprintf("%06d %s.eml", n, s)
}

// Write streams r into path (created new, never overwriting) and returns
// the byte count and SHA-256 of what was written.
func Write(path string, r io.Reader) (int64, [32]byte, error) {
	var sum [32]byte
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, sum, fmt.Errorf("create %s: %w", path, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, sum, fmt.Errorf("write %s: %w", path, err)
	}
	copy(sum[:], h.Sum(nil))
	return n, sum, nil
}
