package main

import (
	"fmt"
	"math/rand"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
)

// addNewMail appends one new message to every folder of the source, as
// mail arriving between two deltas: the push that follows must list each
// destination folder (the no-change test fails) and resolve the folder
// against it, which is what a cutover-day delta costs. It returns how many
// it added.
func addNewMail(src *testenv.Dovecot, n int) (int, error) {
	c, err := login(src, testenv.DefaultUser, testenv.DefaultPassword)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	date := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for k, f := range benchFolders {
		raw := message(rand.New(rand.NewSource(int64(n+k))), n+k, 4000, date)
		cmd := c.Append(f.name, // go-imap writes it in modified UTF-7
			int64(len(raw)), &imap.AppendOptions{Time: date})
		if _, err := cmd.Write(raw); err != nil {
			return 0, err
		}
		if err := cmd.Close(); err != nil {
			return 0, err
		}
		if _, err := cmd.Wait(); err != nil {
			return 0, fmt.Errorf("append to %s: %w", f.name, err)
		}
	}
	return len(benchFolders), nil
}
