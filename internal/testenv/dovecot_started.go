package testenv

import gosync "sync"

// started holds the instances Start made and Stop has not yet stopped, so
// that a program's interrupt handler can stop them (StopAll): a server
// left running outlives the program, and one kept InMemory holds its mail
// in the machine's memory until the next boot.
var started struct {
	mu  gosync.Mutex
	set map[*Dovecot]bool
}

func remember(d *Dovecot) {
	started.mu.Lock()
	defer started.mu.Unlock()
	if started.set == nil {
		started.set = map[*Dovecot]bool{}
	}
	started.set[d] = true
}

func forget(d *Dovecot) {
	started.mu.Lock()
	defer started.mu.Unlock()
	delete(started.set, d)
}

// StopAll stops every instance Start started that is still running and
// removes its files; Stop may run meanwhile (each instance stops once).
func StopAll() {
	started.mu.Lock()
	all := make([]*Dovecot, 0, len(started.set))
	for d := range started.set {
		all = append(all, d)
	}
	started.mu.Unlock()
	for _, d := range all {
		d.Stop()
	}
}
