package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// versionInfo is what a VS_VERSIONINFO resource says: the fixed binary
// file and product versions and the StringFileInfo strings.
type versionInfo struct {
	FileVersion, ProductVersion [4]uint16
	Strings                     map[string]string
}

// parseVersionInfo reads a VS_VERSIONINFO block. Every node is: wLength,
// wValueLength, wType, a NUL-terminated UTF-16 key, padding to 4 bytes, the
// value, padding to 4 bytes, then child nodes up to wLength.
func parseVersionInfo(b []byte) (*versionInfo, error) {
	vi := &versionInfo{Strings: map[string]string{}}
	key, value, children, err := node(b)
	if err != nil {
		return nil, err
	}
	if key != "VS_VERSION_INFO" {
		return nil, fmt.Errorf("version resource key is %q", key)
	}
	if len(value) < 52 || binary.LittleEndian.Uint32(value) != 0xFEEF04BD {
		return nil, errors.New("VS_FIXEDFILEINFO is missing or has a bad signature")
	}
	quad := func(off int) [4]uint16 {
		ms, ls := binary.LittleEndian.Uint32(value[off:]), binary.LittleEndian.Uint32(value[off+4:])
		return [4]uint16{uint16(ms >> 16), uint16(ms), uint16(ls >> 16), uint16(ls)}
	}
	vi.FileVersion, vi.ProductVersion = quad(8), quad(16)
	// StringFileInfo -> one StringTable per language -> String nodes.
	for len(children) > 0 {
		k, _, sub, n, err := nodeN(children)
		if err != nil {
			return nil, err
		}
		children = children[n:]
		if k != "StringFileInfo" {
			continue
		}
		for len(sub) > 0 {
			_, _, strs, m, err := nodeN(sub)
			if err != nil {
				return nil, err
			}
			sub = sub[m:]
			for len(strs) > 0 {
				name, val, _, o, err := nodeN(strs)
				if err != nil {
					return nil, err
				}
				strs = strs[o:]
				s, _ := utf16z(val)
				vi.Strings[name] = s
			}
		}
	}
	return vi, nil
}

func node(b []byte) (key string, value, children []byte, err error) {
	key, value, children, _, err = nodeN(b)
	return
}

// nodeN parses one node and returns how many bytes (padded to 4) it used.
func nodeN(b []byte) (key string, value, children []byte, used int, err error) {
	if len(b) < 6 {
		return "", nil, nil, 0, errors.New("version node is truncated")
	}
	length := int(binary.LittleEndian.Uint16(b))
	valueLen := int(binary.LittleEndian.Uint16(b[2:]))
	text := binary.LittleEndian.Uint16(b[4:]) == 1
	if length < 6 || length > len(b) {
		return "", nil, nil, 0, fmt.Errorf("version node length %d does not fit %d bytes", length, len(b))
	}
	total := len(b)
	b = b[:length]
	key, n := utf16z(b[6:])
	off := align4(6 + n)
	if text {
		valueLen *= 2 // text values count UTF-16 units
	}
	if off+valueLen > length {
		valueLen = max(0, length-off) // some writers round; keep what is there
	}
	if off <= length {
		value = b[off : off+valueLen]
		if c := align4(off + valueLen); c < length {
			children = b[c:]
		}
	}
	return key, value, children, min(align4(length), total), nil
}

func align4(n int) int { return (n + 3) &^ 3 }
