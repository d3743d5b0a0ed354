package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// TestWriteICOEntriesDecode proves every directory entry points at a PNG of
// the stated size and that the entries tile the file with no gaps.
func TestWriteICOEntriesDecode(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			src.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := WriteICO(&buf, src, Sizes); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if r, typ, n := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:]), int(binary.LittleEndian.Uint16(b[4:])); r != 0 || typ != 1 || n != len(Sizes) {
		t.Fatalf("header reserved=%d type=%d count=%d", r, typ, n)
	}
	next := 6 + 16*len(Sizes)
	for i, want := range Sizes {
		e := b[6+16*i:]
		w := int(e[0])
		if w == 0 {
			w = 256
		}
		size, off := int(binary.LittleEndian.Uint32(e[8:])), int(binary.LittleEndian.Uint32(e[12:]))
		if w != want || off != next {
			t.Fatalf("entry %d: width %d offset %d, want %d at %d", i, w, off, want, next)
		}
		img, err := png.Decode(bytes.NewReader(b[off : off+size]))
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if got := img.Bounds().Dx(); got != want || img.Bounds().Dy() != want {
			t.Fatalf("entry %d is %v, want %d px", i, img.Bounds(), want)
		}
		next = off + size
	}
	if next != len(b) {
		t.Fatalf("file has %d bytes, entries end at %d", len(b), next)
	}
	if err := WriteICO(&bytes.Buffer{}, src, []int{300}); err == nil {
		t.Fatal("a 300 px entry was accepted")
	}
}
