package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mingw builds real Windows executables with Debian's mingw-w64 toolchain;
// the test fails with an install hint where it is missing.
func mingw(t *testing.T, dir string, args ...string) {
	t.Helper()
	tool := args[0]
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is missing: install the Debian package gcc-mingw-w64-x86-64 (or run `.ci/deps package`)", tool)
	}
	cmd := exec.Command(tool, args[1:]...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// oneImageICO is an .ico with a single 16 px PNG entry.
func oneImageICO(t *testing.T) []byte {
	var p bytes.Buffer
	if err := png.Encode(&p, image.NewNRGBA(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, []uint16{0, 1, 1})
	binary.Write(&b, binary.LittleEndian, []uint8{16, 16, 0, 0})
	binary.Write(&b, binary.LittleEndian, []uint16{1, 32})
	binary.Write(&b, binary.LittleEndian, []uint32{uint32(p.Len()), 22})
	b.Write(p.Bytes())
	return b.Bytes()
}

const testRC = `1 ICON "app.ico"
1 VERSIONINFO
FILEVERSION 2,3,4,9
PRODUCTVERSION 2,3,4,9
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "FileVersion", "2.3.4"
      VALUE "ProductName", "Mailshift"
      VALUE "ProductVersion", "2.3.4"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
`

// TestCheckRealExecutables builds three real Windows programs and proves
// Check accepts the one with icon and version resources for the GUI
// subsystem, and names what is wrong with the others.
func TestCheckRealExecutables(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app.ico", oneImageICO(t))
	write("app.rc", []byte(testRC))
	write("main.c", []byte("int main(void) { return 0; }\n"))
	mingw(t, dir, "x86_64-w64-mingw32-windres", "-O", "coff", "-i", "app.rc", "-o", "app.o")
	mingw(t, dir, "x86_64-w64-mingw32-gcc", "-mwindows", "-o", "good.exe", "main.c", "app.o")
	mingw(t, dir, "x86_64-w64-mingw32-gcc", "-mwindows", "-o", "bare.exe", "main.c")
	mingw(t, dir, "x86_64-w64-mingw32-gcc", "-mconsole", "-o", "console.exe", "main.c", "app.o")

	sum, err := Check(filepath.Join(dir, "good.exe"), "2.3.4", "Mailshift")
	if err != nil {
		t.Fatalf("good.exe: %v", err)
	}
	for _, want := range []string{"icon group of 1 images [16] px", `ProductVersion "2.3.4"`, "fixed 2.3.4.9", "unsigned"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary %q lacks %q", sum, want)
		}
	}
	cases := []struct{ exe, version, product, wantErr string }{
		{"good.exe", "2.3.5", "Mailshift", "fixed product version"},
		{"good.exe", "2.3.4", "Other", "ProductName"},
		{"bare.exe", "2.3.4", "Mailshift", "no resource directory"},
		{"console.exe", "2.3.4", "Mailshift", "not Windows GUI"},
		{"main.c", "2.3.4", "Mailshift", "not a PE file"},
	}
	for _, c := range cases {
		_, err := Check(filepath.Join(dir, c.exe), c.version, c.product)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s as %s/%s: error %v, want one containing %q", c.exe, c.product, c.version, err, c.wantErr)
		}
	}
}

func TestVersionQuad(t *testing.T) {
	for in, want := range map[string][3]uint16{"0.1.0": {0, 1, 0}, "1.2.3-rc1": {1, 2, 3}, "4.5": {4, 5, 0}} {
		if got, err := versionQuad(in); err != nil || got != want {
			t.Errorf("versionQuad(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := versionQuad("1.2.3.4"); err == nil {
		t.Error("four numbers accepted")
	}
}
