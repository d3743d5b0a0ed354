package app

import (
	"errors"
	"strings"
	"testing"

	"mailshift/sync"
)

// A login test the server ends with a BYE (throttling) is "busy, test
// again", never "refused" or a promise to reconnect, and quotes the server.
func TestDescribeLoginByeIsBusy(t *testing.T) {
	err := &sync.ConnError{Kind: sync.KindBye, Server: "imap.old.test:993", Text: "[UNAVAILABLE] Too many requests, retry in 30 seconds", Err: errors.New("connection closed")}
	got, text := describeLogin("old host", sync.ServerInfo{}, err)
	if got != LoginBusy || !strings.Contains(text, "wait a minute and test again") || !strings.Contains(text, "retry in 30 seconds") || strings.Contains(text, "reconnects") {
		t.Fatalf("%v: %q", got, text)
	}
}
