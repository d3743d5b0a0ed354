package sync

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// Flag changes after the upload (RELIABILITY.md 14: users read, flag and
// answer mail on the old server until the cutover, and the final delta
// must carry that over). A pull delta keeps each stored message's flags
// current; the push journal keeps, per message, the flags last applied to
// its copy on the destination. The difference between the two is what
// changed at the source since: those flags are added to or removed from
// the copy, and nothing else, so a change made on the destination meanwhile
// (a message read there) stays unless the source changed the same flag.
// A copy whose applied flags are not known (found on the destination
// rather than uploaded, or journalled before flags were kept) gets the
// source's flags added, never removed.

// flagChange is one destination copy's update.
type flagChange struct {
	key         store.PushKey
	uid         uint32
	add, remove []string
	now         []string // the source's flags, recorded once applied
	known       bool     // the base was known: a change of the source's, not a first sync
}

// flagChanges lists the copies of want under uidValidity whose source
// flags changed since they were last applied.
func (fp *folderPush) flagChanges(want []wantMsg, recs map[store.PushKey]store.PushRecord, uidValidity uint32) []flagChange {
	var out []flagChange
	for _, w := range want {
		r, ok := recs[w.Key]
		if !ok || r.State != store.PushDone || r.UIDValidity != uidValidity || r.UID == 0 {
			continue
		}
		now := uploadFlags(w.Rec.Flags)
		ch := flagChange{key: w.Key, uid: r.UID, now: now, add: flagsMinus(now, r.Flags), known: r.FlagsKnown}
		if r.FlagsKnown {
			ch.remove = flagsMinus(r.Flags, now)
		}
		// An unknown base is listed even with nothing to send: its flags
		// become known.
		if len(ch.add)+len(ch.remove) > 0 || !r.FlagsKnown {
			out = append(out, ch)
		}
	}
	return out
}

// flagsMinus is a without b's flags (flag names compare case-insensitively,
// RFC 3501 section 2.3.2).
func flagsMinus(a, b []string) []string {
	var out []string
	for _, f := range a {
		if !slices.ContainsFunc(b, func(g string) bool { return strings.EqualFold(f, g) }) {
			out = append(out, f)
		}
	}
	return out
}

// flagStoreMax bounds the UIDs of one STORE command (its line length).
const flagStoreMax = 500

// applyFlags sends the changes (one UID STORE per distinct change and
// batch of UIDs, .SILENT) with the destination folder opened read-write
// on c, then journals the flags now applied (in recs too). A crash in between repeats
// the same additions and removals, which change nothing the second time.
// It returns how many copies followed a change of the source's (a first
// sync of an unknown base is not counted: its additions are usually there
// already).
func (fp *folderPush) applyFlags(ctx context.Context, c *Conn, changes []flagChange, recs map[store.PushKey]store.PushRecord) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	type op struct {
		add  bool
		list string // the flags, NUL-separated
	}
	uids := map[op][]uint32{}
	changed := 0
	for _, ch := range changes {
		if ch.known {
			changed++
		}
		if len(ch.add) > 0 {
			k := op{true, strings.Join(ch.add, "\x00")}
			uids[k] = append(uids[k], ch.uid)
		}
		if len(ch.remove) > 0 {
			k := op{false, strings.Join(ch.remove, "\x00")}
			uids[k] = append(uids[k], ch.uid)
		}
	}
	if len(uids) > 0 {
		ops := make([]op, 0, len(uids))
		for k := range uids {
			ops = append(ops, k)
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].list < ops[j].list || ops[i].list == ops[j].list && ops[i].add })
		err := c.do(ctx, func() error {
			if _, err := c.Select(fp.u.dest, nil).Wait(); err != nil {
				return err
			}
			for _, o := range ops {
				var flags []imap.Flag
				for _, f := range strings.Split(o.list, "\x00") {
					flags = append(flags, imap.Flag(f))
				}
				storeOp := imap.StoreFlagsDel
				if o.add {
					storeOp = imap.StoreFlagsAdd
				}
				list := uids[o]
				for start := 0; start < len(list); start += flagStoreMax {
					set := uidSet(list[start:min(start+flagStoreMax, len(list))])
					if err := c.Store(set, &imap.StoreFlags{Op: storeOp, Silent: true, Flags: flags}, nil).Close(); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("update flags in destination folder %q: %w", fp.u.dest, classify(c.ep.Addr(), err, ""))
		}
	}
	return changed, fp.recordFlags(changes, recs)
}

// recordFlags journals the flags now applied to each changed copy, in
// recs too.
func (fp *folderPush) recordFlags(changes []flagChange, recs map[store.PushKey]store.PushRecord) error {
	updated := make(map[store.PushKey]store.PushRecord, len(changes))
	for _, ch := range changes {
		r := recs[ch.key]
		r.Flags, r.FlagsKnown = ch.now, true
		updated[ch.key], recs[ch.key] = r, r
	}
	box := fp.u.m.Box
	return fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, nil, updated)
}
