package main

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
)

// Resource type IDs (winuser.h).
const (
	rtIcon      = 3
	rtGroupIcon = 14
	rtVersion   = 16
	rtManifest  = 24
)

// resources maps a resource type ID to the data of every resource of that
// type (all names, all languages), in directory order.
type resources map[uint32][][]byte

// readResources walks the three-level resource directory of f
// (type / name / language) and returns the data of every leaf.
func readResources(f *pe.File) (resources, error) {
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return nil, errors.New("not a PE32+ (64-bit) image")
	}
	dir := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE]
	if dir.VirtualAddress == 0 || dir.Size == 0 {
		return nil, errors.New("no resource directory")
	}
	sec := sectionFor(f, dir.VirtualAddress)
	if sec == nil {
		return nil, fmt.Errorf("resource directory RVA %#x is in no section", dir.VirtualAddress)
	}
	raw, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("reading section %s: %w", sec.Name, err)
	}
	base := dir.VirtualAddress - sec.VirtualAddress
	if int(base) >= len(raw) {
		return nil, errors.New("resource directory lies outside its section's data")
	}
	root := raw[base:]
	out := resources{}
	// leaves collects the data entries under one directory, recursively.
	var leaves func(off uint32, depth int) ([][]byte, error)
	leaves = func(off uint32, depth int) ([][]byte, error) {
		if depth > 3 {
			return nil, errors.New("resource directory nests deeper than 3 levels")
		}
		ids, err := dirEntries(root, off)
		if err != nil {
			return nil, err
		}
		var all [][]byte
		for _, e := range ids {
			if e.child&0x80000000 != 0 {
				sub, err := leaves(e.child&0x7fffffff, depth+1)
				if err != nil {
					return nil, err
				}
				all = append(all, sub...)
				continue
			}
			if int(e.child)+16 > len(root) {
				return nil, errors.New("resource data entry out of range")
			}
			rva := binary.LittleEndian.Uint32(root[e.child:])
			size := binary.LittleEndian.Uint32(root[e.child+4:])
			start := int64(rva) - int64(sec.VirtualAddress)
			if start < 0 || start+int64(size) > int64(len(raw)) {
				return nil, fmt.Errorf("resource data at RVA %#x (%d bytes) is outside %s", rva, size, sec.Name)
			}
			all = append(all, raw[start:start+int64(size)])
		}
		return all, nil
	}
	types, err := dirEntries(root, 0)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		if t.child&0x80000000 == 0 {
			return nil, errors.New("resource type entry is not a directory")
		}
		data, err := leaves(t.child&0x7fffffff, 2)
		if err != nil {
			return nil, err
		}
		out[t.id] = append(out[t.id], data...)
	}
	return out, nil
}

type dirEntry struct{ id, child uint32 }

// dirEntries reads an IMAGE_RESOURCE_DIRECTORY at off and its entries.
func dirEntries(root []byte, off uint32) ([]dirEntry, error) {
	if int(off)+16 > len(root) {
		return nil, errors.New("resource directory out of range")
	}
	named := binary.LittleEndian.Uint16(root[off+12:])
	byID := binary.LittleEndian.Uint16(root[off+14:])
	n := int(named) + int(byID)
	if int(off)+16+8*n > len(root) {
		return nil, errors.New("resource directory entries out of range")
	}
	es := make([]dirEntry, n)
	for i := range es {
		p := root[int(off)+16+8*i:]
		es[i] = dirEntry{binary.LittleEndian.Uint32(p), binary.LittleEndian.Uint32(p[4:])}
	}
	return es, nil
}

func sectionFor(f *pe.File, rva uint32) *pe.Section {
	for _, s := range f.Sections {
		if rva >= s.VirtualAddress && rva < s.VirtualAddress+max(s.VirtualSize, s.Size) {
			return s
		}
	}
	return nil
}

// iconSizes lists the pixel sizes of the images one RT_GROUP_ICON names
// (GRPICONDIR: reserved, type, count, then 14-byte entries; width 0 = 256).
func iconSizes(group []byte) ([]int, error) {
	if len(group) < 6 || binary.LittleEndian.Uint16(group[2:]) != 1 {
		return nil, errors.New("icon group header is not an icon directory")
	}
	n := int(binary.LittleEndian.Uint16(group[4:]))
	if len(group) < 6+14*n {
		return nil, errors.New("icon group is truncated")
	}
	sizes := make([]int, n)
	for i := range sizes {
		w := int(group[6+14*i])
		if w == 0 {
			w = 256
		}
		sizes[i] = w
	}
	return sizes, nil
}

func utf16z(b []byte) (string, int) {
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			return string(utf16.Decode(u)), i + 2
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), len(b)
}
