package store

// The disk holding a store can fill up in the middle of a pull: a
// technician's laptop copying a large mailbox is the usual case. Writes
// then fail with "no space left on device" (or a user's disk quota), the
// failed batch is not indexed, and the engine waits for space instead of
// failing (sync's retry). These two functions are what it needs: whether
// a failure was a full disk, and how much room there is now.

// IsDiskFull reports whether err is a write that failed because the disk
// (or the user's disk quota) is full.
func IsDiskFull(err error) bool { return err != nil && isDiskFull(err) }

// FreeBytes is the room left for this store's files (what an
// unprivileged process may still write on the disk of its folder).
func (db *DB) FreeBytes() (int64, error) { return freeBytes(db.dir) }
