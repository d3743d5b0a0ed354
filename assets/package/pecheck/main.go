// Command pecheck proves that a Windows executable built here is what we
// ship: a PE32+ image for amd64, for the GUI subsystem, with an icon group
// whose images are all present and a version resource whose strings and
// fixed version agree with FyneApp.toml's version.
//
// usage: pecheck -version 0.1.0 [-build 1] [-name Mailshift] FILE.exe...
// It prints one line per file and exits 1 on the first file that fails.
package main

import (
	"debug/pe"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	version := flag.String("version", "", "the version every version field must carry (required)")
	product := flag.String("product", "Mailshift", "the expected ProductName")
	flag.Parse()
	if *version == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: pecheck -version X.Y.Z [-product NAME] FILE.exe...")
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		summary, err := Check(path, *version, *product)
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", path, err)
			os.Exit(1)
		}
		fmt.Printf("ok   %s: %s\n", path, summary)
	}
}

// Check opens the executable at path and returns a one-line summary of what
// it proved, or an error naming the first thing that is wrong.
func Check(path, version, product string) (string, error) {
	f, err := pe.Open(path)
	if err != nil {
		return "", fmt.Errorf("not a PE file: %w", err)
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		return "", fmt.Errorf("machine is %#x, not amd64", f.Machine)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return "", errors.New("not a PE32+ image")
	}
	if oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return "", fmt.Errorf("subsystem is %d, not Windows GUI (2): was -H=windowsgui lost?", oh.Subsystem)
	}
	res, err := readResources(f)
	if err != nil {
		return "", fmt.Errorf("resources: %w", err)
	}
	if len(res[rtGroupIcon]) == 0 {
		return "", errors.New("no icon group resource (RT_GROUP_ICON)")
	}
	sizes, err := iconSizes(res[rtGroupIcon][0])
	if err != nil {
		return "", err
	}
	if len(res[rtIcon]) < len(sizes) {
		return "", fmt.Errorf("icon group names %d images but only %d RT_ICON resources exist", len(sizes), len(res[rtIcon]))
	}
	if len(res[rtVersion]) == 0 {
		return "", errors.New("no version resource (RT_VERSION)")
	}
	vi, err := parseVersionInfo(res[rtVersion][0])
	if err != nil {
		return "", fmt.Errorf("version resource: %w", err)
	}
	want, err := versionQuad(version)
	if err != nil {
		return "", err
	}
	if vi.ProductVersion[0] != want[0] || vi.ProductVersion[1] != want[1] || vi.ProductVersion[2] != want[2] {
		return "", fmt.Errorf("fixed product version is %v, want %s", vi.ProductVersion, version)
	}
	for _, k := range []string{"ProductVersion", "FileVersion"} {
		if !strings.Contains(vi.Strings[k], version) {
			return "", fmt.Errorf("%s string is %q, want it to carry %s", k, vi.Strings[k], version)
		}
	}
	if vi.Strings["ProductName"] != product {
		return "", fmt.Errorf("ProductName is %q, want %q", vi.Strings["ProductName"], product)
	}
	signed := "unsigned"
	if d := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY]; d.Size > 0 {
		signed = fmt.Sprintf("Authenticode signature present (%d bytes)", d.Size)
	}
	return fmt.Sprintf("PE32+ amd64 GUI; icon group of %d images %v px; ProductName %q, ProductVersion %q, FileVersion %q, fixed %d.%d.%d.%d; manifest: %t; %s",
		len(sizes), sizes, vi.Strings["ProductName"], vi.Strings["ProductVersion"], vi.Strings["FileVersion"],
		vi.FileVersion[0], vi.FileVersion[1], vi.FileVersion[2], vi.FileVersion[3], len(res[rtManifest]) > 0, signed), nil
}

// versionQuad reads "1.2.3" (a pre-release suffix after - or + is ignored).
func versionQuad(v string) ([3]uint16, error) {
	var q [3]uint16
	core, _, _ := strings.Cut(strings.SplitN(v, "+", 2)[0], "-")
	parts := strings.Split(core, ".")
	if len(parts) > 3 {
		return q, fmt.Errorf("version %q has more than three numbers", v)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return q, fmt.Errorf("version %q: %w", v, err)
		}
		q[i] = uint16(n)
	}
	return q, nil
}
