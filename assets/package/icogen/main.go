// Command icogen turns the app's PNG icon into a Windows .ico holding the
// sizes Explorer, the taskbar and the Start menu ask for (16 to 256 pixels),
// each entry stored as PNG, as Windows Vista and later accept.
//
// usage: go run ./assets/package/icogen -in assets/icon.png -out dist/x.ico
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"

	"golang.org/x/image/draw"
)

// Sizes are the square sizes written into the icon, smallest first.
var Sizes = []int{16, 24, 32, 48, 64, 128, 256}

func main() {
	in := flag.String("in", "", "source PNG (square, at least 256×256 looks best)")
	out := flag.String("out", "", "the .ico to write")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: icogen -in ICON.png -out ICON.ico")
		os.Exit(2)
	}
	if err := convert(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "icogen:", err)
		os.Exit(1)
	}
}

func convert(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("opening the icon: %w", err)
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("decoding %s: %w", in, err)
	}
	var buf bytes.Buffer
	if err := WriteICO(&buf, src, Sizes); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// WriteICO writes src scaled to each of sizes (1..256) as one ICO file whose
// entries are PNG images, in the order given.
func WriteICO(w io.Writer, src image.Image, sizes []int) error {
	pngs := make([][]byte, len(sizes))
	for i, s := range sizes {
		if s < 1 || s > 256 {
			return fmt.Errorf("icon size %d is outside 1..256", s)
		}
		dst := image.NewNRGBA(image.Rect(0, 0, s, s))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		var b bytes.Buffer
		if err := png.Encode(&b, dst); err != nil {
			return fmt.Errorf("encoding the %d px image: %w", s, err)
		}
		pngs[i] = b.Bytes()
	}
	// ICONDIR, then one ICONDIRENTRY per image, then the images.
	head := []uint16{0, 1, uint16(len(sizes))}
	if err := binary.Write(w, binary.LittleEndian, head); err != nil {
		return err
	}
	offset := 6 + 16*len(sizes)
	for i, s := range sizes {
		dim := uint8(s % 256) // 0 means 256
		entry := struct {
			Width, Height, Colors, Reserved uint8
			Planes, BitCount                uint16
			Size, Offset                    uint32
		}{dim, dim, 0, 0, 1, 32, uint32(len(pngs[i])), uint32(offset)}
		if err := binary.Write(w, binary.LittleEndian, entry); err != nil {
			return err
		}
		offset += len(pngs[i])
	}
	for _, p := range pngs {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
