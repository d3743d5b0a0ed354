package app

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"

	"mailshift/store"
	"mailshift/sync"
)

// LoginTestConcurrency is how many mailboxes TestLogins tests at once (each
// holds one connection at a time: old host, then new host).
const LoginTestConcurrency = 4

// LoginOutcome classifies one login test for a person.
type LoginOutcome string

const (
	LoginOK            LoginOutcome = "ok"
	LoginWrongPassword LoginOutcome = "wrong-password" // the server refused the name or password
	LoginNoPassword    LoginOutcome = "no-password"    // none saved, or saved passwords are locked
	LoginCannotConnect LoginOutcome = "cannot-connect" // name not found, refused, timeout, network
	LoginCertificate   LoginOutcome = "certificate"    // untrusted or changed certificate
	LoginBusy          LoginOutcome = "busy"           // too many connections for the user
	LoginFailed        LoginOutcome = "failed"         // anything else (server refusal, protocol, settings)
	LoginStopped       LoginOutcome = "stopped"        // the run was cancelled before this test finished
)

// LoginResult is the outcome of logging in to one mailbox on one side.
type LoginResult struct {
	MailboxID string
	Email     string
	Dest      bool // false: the old host; true: the new host
	Outcome   LoginOutcome
	// Words is one line for a person: "OK, 5 folders" or what went wrong
	// and what to do. It never carries a password.
	Words   string
	Folders int   // folders seen when the login worked
	Err     error // the underlying error, nil when OK
}

// Side names the host the result is about ("old host" / "new host").
func (r LoginResult) Side() string {
	if r.Dest {
		return "new host"
	}
	return "old host"
}

// TestLogins logs in to every mailbox of the project on the old and the new
// host (through TestConnection, so each test is audited), at most
// LoginTestConcurrency mailboxes at once. progress, when not nil, gets each
// result as it comes, from one goroutine at a time (not the caller's; a GUI
// must hand it to its UI goroutine). The results come back in mailbox order,
// old host before new host. When every login worked, the plan's
// "test-logins" step is passed; when any login failed, it is blocked (a
// cancelled run records nothing). The error is only for failures to run
// the tests at all (no project, no mailboxes, cancelled).
func (a *App) TestLogins(ctx context.Context, projectID string, progress func(LoginResult)) ([]LoginResult, error) {
	mbs, err := a.Mailboxes(ctx, projectID)
	if err != nil {
		return nil, fmt.Errorf("read the mailboxes of %s: %w", projectID, err)
	}
	if len(mbs) == 0 {
		return nil, fmt.Errorf("project %s has no mailboxes yet: add or import them first", projectID)
	}
	results := make([]LoginResult, 2*len(mbs))
	var progressMu gosync.Mutex
	report := func(i int, r LoginResult) {
		results[i] = r
		if progress != nil {
			progressMu.Lock()
			defer progressMu.Unlock()
			progress(r)
		}
	}
	next := make(chan int)
	var wg gosync.WaitGroup
	for range min(LoginTestConcurrency, len(mbs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m := mbs[i]
				old := a.testOneLogin(ctx, projectID, m, false)
				report(2*i, old)
				dest := a.testOneLogin(ctx, projectID, m, true)
				report(2*i+1, dest)
				a.keepLoginFailure(projectID, m.ID, old, dest)
			}
		}()
	}
feed:
	for i := range mbs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for i := range results {
		if results[i].Outcome == "" { // never dispatched: the run was stopped
			m := mbs[i/2]
			results[i] = LoginResult{MailboxID: m.ID, Email: m.Email, Dest: i%2 == 1, Outcome: LoginStopped,
				Words: "not tested: the test was stopped", Err: ctx.Err()}
		}
	}
	if err := ctx.Err(); err != nil {
		return results, fmt.Errorf("testing the logins of %s was stopped: %w", projectID, err)
	}
	failed := 0
	for _, r := range results {
		if r.Outcome != LoginOK {
			failed++
		}
	}
	summary := fmt.Sprintf("%d login(s) tested, all OK", len(results))
	if failed > 0 {
		summary = fmt.Sprintf("%d of %d login(s) failed", failed, len(results))
	}
	if _, err := a.RecordCheck(ctx, projectID, "test-logins", failed == 0, summary, nil); err != nil {
		return results, fmt.Errorf("record the login tests on the plan: %w", err)
	}
	return results, nil
}

func (a *App) testOneLogin(ctx context.Context, projectID string, m store.Mailbox, dest bool) LoginResult {
	r := LoginResult{MailboxID: m.ID, Email: m.Email, Dest: dest}
	if ctx.Err() != nil {
		r.Outcome, r.Words, r.Err = LoginStopped, "not tested: the test was stopped", ctx.Err()
		return r
	}
	info, err := a.TestConnection(ctx, projectID, m.ID, dest)
	r.Err = err
	r.Outcome, r.Words = describeLogin(r.Side(), info, err)
	if err == nil {
		r.Folders = len(info.Folders)
	} else if ctx.Err() != nil {
		r.Outcome, r.Words = LoginStopped, "not tested: the test was stopped"
	}
	return r
}

// keepLoginFailure marks the mailbox login-failed when either side failed
// (TestConnection alone would let the second side's success hide the
// first side's failure).
func (a *App) keepLoginFailure(projectID, mailboxID string, results ...LoginResult) {
	for _, r := range results {
		if r.Outcome == LoginOK || r.Outcome == LoginStopped {
			continue
		}
		if _, m, err := a.mailbox(projectID, mailboxID); err == nil {
			if changed, _ := a.db.SetMailboxStatus(projectID, m.ID, store.MailboxLoginFail, store.MailboxTested); changed {
				a.Events.Publish(MailboxesChanged{ProjectID: projectID})
			}
		}
		return
	}
}

// describeLogin words a login test's outcome for a person.
func describeLogin(side string, info sync.ServerInfo, err error) (LoginOutcome, string) {
	if err == nil {
		return LoginOK, fmt.Sprintf("OK, %d folder(s)", len(info.Folders))
	}
	if errors.Is(err, store.ErrSecretsLocked) {
		return LoginNoPassword, "not tested: saved passwords are locked; unlock them with the passphrase and test again"
	}
	if errors.Is(err, store.ErrNotFound) {
		return LoginNoPassword, fmt.Sprintf("no password saved for the %s: edit the mailbox, add it and test again", side)
	}
	var ce *sync.ConnError
	if !errors.As(err, &ce) {
		return LoginFailed, fmt.Sprintf("could not test the %s: %v", side, err)
	}
	switch ce.Kind {
	case sync.KindAuth:
		return LoginWrongPassword, fmt.Sprintf("wrong login name or password on the %s: check both with the mailbox's owner, correct them and test again", side)
	case sync.KindNameNotFound, sync.KindRefused, sync.KindTimeout, sync.KindNetwork:
		return LoginCannotConnect, fmt.Sprintf("cannot connect to the %s: %v", side, ce)
	case sync.KindTLS, sync.KindPinMismatch:
		return LoginCertificate, fmt.Sprintf("certificate problem on the %s: %v", side, ce)
	case sync.KindTooMany:
		return LoginBusy, fmt.Sprintf("the %s has too many connections open for this user: close other mail apps for it, wait a minute and test again", side)
	case sync.KindBye: // e.g. throttling: the server hung up, naming no fault of the login
		said := ""
		if ce.Text != "" {
			said = " (it said: " + ce.Text + ")"
		}
		return LoginBusy, fmt.Sprintf("the %s ended the session during the test%s: wait a minute and test again", side, said)
	}
	return LoginFailed, fmt.Sprintf("the %s refused the test: %v", side, ce)
}
