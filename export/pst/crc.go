package pst

import (
	"encoding/binary"
	"hash/crc32"
)

// crc is the [MS-PST] CRC: CRC-32 (IEEE table), initial value 0, no final XOR.
func crc(p []byte) uint32 {
	return crc32.Update(0xFFFFFFFF, crc32.IEEETable, p) ^ 0xFFFFFFFF
}

// signature is the block/page signature computed from its offset and BID.
func signature(ib, bid uint64) uint16 {
	v := uint32(ib) ^ uint32(bid)
	return uint16(v>>16) ^ uint16(v)
}

var le = binary.LittleEndian

// File layout constants (Unicode PST).
const (
	amapFirst    = 0x4400          // offset of the first AMap page
	regionSize   = 496 * 8 * 64    // bytes mapped by one AMap page (253,952)
	slotsPerMap  = 496 * 8         // 64-byte slots per AMap
	pageSize     = 512             // every page
	maxBlockData = 8176            // largest block payload
	maxHeapAlloc = 3580            // largest heap allocation
	xblockFanout = (8176 - 8) / 8  // BIDs per XBLOCK / XXBLOCK (1,021)
	slFanout     = (8176 - 8) / 24 // SLENTRYs per SLBLOCK (340)
	siFanout     = (8176 - 8) / 16 // SIENTRYs per SIBLOCK (510)
)

// Page types.
const (
	ptypeBBT   = 0x80
	ptypeNBT   = 0x81
	ptypeFMap  = 0x82
	ptypePMap  = 0x83
	ptypeAMap  = 0x84
	ptypeFPMap = 0x85
	ptypeDL    = 0x86
)

// mapPages returns the offsets, relative to its region start, of the map
// pages a region holds: AMap always, PMap every 8th region, FMap every 496th
// region from 128, FPMap every 31,744th region from 8,192.
func mapPages(region int64) (offs []int64, types []byte) {
	offs = append(offs, 0)
	types = append(types, ptypeAMap)
	if region%8 == 0 {
		offs = append(offs, 0x200)
		types = append(types, ptypePMap)
	}
	if region >= 128 && (region-128)%496 == 0 {
		offs = append(offs, 0x400)
		types = append(types, ptypeFMap)
	}
	if region >= 8192 && (region-8192)%31744 == 0 {
		offs = append(offs, 0x600)
		types = append(types, ptypeFPMap)
	}
	return offs, types
}

func regionStart(r int64) int64 { return amapFirst + r*regionSize }

func alignUp(v, a int64) int64 { return (v + a - 1) / a * a }

// blockSize is the on-disk size of a block with cb payload bytes.
func blockSize(cb int) int64 { return alignUp(int64(cb)+16, 64) }
