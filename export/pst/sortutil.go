package pst

import (
	"cmp"
	"slices"
)

func sortSL(es []slEntry) {
	slices.SortFunc(es, func(a, b slEntry) int { return cmp.Compare(a.nid, b.nid) })
}

func sortLayouts(ls []colLayout) {
	slices.SortFunc(ls, func(a, b colLayout) int { return cmp.Compare(a.tag, b.tag) })
}
