package sync

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// The same bytes twice in a folder, with different received dates, and a
// pull that stored the later copy first (the earlier one failed and came
// in the next run), with a push in between: each copy reaches the
// destination once with its own date.
func TestIdenticalCopiesStoredOutOfOrderKeepTheirDates(t *testing.T) {
	const body = "Subject: twice\r\nMessage-ID: <twice@x.test>\r\n\r\nthe same bytes\r\n"
	lit := func(uid, date string) string {
		return "* " + uid + " FETCH (UID " + uid + " FLAGS () INTERNALDATE \"" + date + "\" BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + ")\r\n"
	}
	other := "Subject: other\r\n\r\nanother message\r\n"
	first := startFake(t, &fakeServer{fetch: "* 1 FETCH (UID 1 FLAGS () INTERNALDATE \"01-Mar-2024 10:00:00 +0000\" BODY[] {" + strconv.Itoa(len(other)) + "}\r\n" + other + ")\r\n" +
		"* 2 FETCH (UID 2 FLAGS () INTERNALDATE \"02-Mar-2024 10:00:00 +0000\")\r\n" + // no body: failed, fetched again next time
		lit("3", "03-Mar-2024 10:00:00 +0000")})
	second := startFake(t, &fakeServer{fetch: lit("2", "02-Mar-2024 10:00:00 +0000")})

	dst := testenv.StartDovecot(t, styleDot)
	db := newStoreWithProfile(t, "p", ProfileGeneric)
	box := store.BoxKey{ProjectID: "p", MailboxID: "alice"}
	dep := endpointFor(dst, dst.Addr, store.SecurityPlain, testenv.DefaultUser)
	pull := func(ep Endpoint) {
		t.Helper()
		if _, err := Pull(context.Background(), db, []PullMailbox{{Box: box, Endpoint: ep}}, PullOptions{Retries: 1, Backoff: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	push := func() {
		t.Helper()
		if rep, err := Push(context.Background(), db, []PushMailbox{{Box: box, Endpoint: dep}}, PushOptions{}); err != nil || rep.Exceptions() {
			t.Fatalf("push: %v %s", err, rep.Summary())
		}
	}
	pull(first)
	push()
	pull(second)
	push()

	var dates []string
	for _, m := range snapshot(t, dst, testenv.DefaultUser)["INBOX"] {
		dates = append(dates, time.Unix(m.date, 0).UTC().Format("2006-01-02"))
	}
	sort.Strings(dates)
	if got := fmt.Sprint(dates); got != "[2024-03-01 2024-03-02 2024-03-03]" {
		t.Fatalf("dates on the destination: %s", got)
	}
}
