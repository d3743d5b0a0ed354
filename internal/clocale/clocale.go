// Package clocale keeps Fyne quiet under the POSIX "C" locale. Fyne reads the
// locale in its package init and logs "Error parsing user locale C" to
// stderr, which is noise on every CLI run on a server or in CI. Imported
// first by main, this package's init runs before Fyne's (it needs only os,
// and Go initialises ready packages in import-path order) and, only when the
// message language is C/POSIX, sets LANGUAGE=en (read only for message
// language; character handling and child processes keep LANG and LC_*).
package clocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	loc := ""
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = os.Getenv(v); loc != "" {
			break
		}
	}
	base, _, _ := strings.Cut(loc, ".")
	if base == "C" || base == "POSIX" {
		os.Setenv("LANGUAGE", "en")
	}
}
