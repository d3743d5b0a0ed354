package sync

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/emersion/go-imap/v2"
)

// ErrorKind classifies a connection failure for a person.
type ErrorKind string

const (
	KindNameNotFound ErrorKind = "name-not-found"
	KindRefused      ErrorKind = "refused"
	KindTimeout      ErrorKind = "timeout"
	KindTLS          ErrorKind = "tls"
	KindPinMismatch  ErrorKind = "pin-mismatch"
	KindAuth         ErrorKind = "auth"
	KindTooMany      ErrorKind = "too-many-connections"
	KindServerNo     ErrorKind = "server-no"
	KindServerBad    ErrorKind = "server-bad"
	KindPlaintext    ErrorKind = "plaintext-refused"
	KindNetwork      ErrorKind = "network"
	KindProtocol     ErrorKind = "protocol"
	KindBye          ErrorKind = "server-closed" // an untagged BYE mid-session
	KindTooLarge     ErrorKind = "reply-too-large"
)

// ConnError is a classified failure, worded for the person at the screen.
// It never carries a password.
type ConnError struct {
	Kind        ErrorKind
	Server      string // host:port
	Fingerprint string // the certificate's SHA-256, for TLS failures
	Text        string // the server's own words, for NO/BAD/BYE
	Code        string // the server's response code (UNAVAILABLE, LIMIT), if any
	Err         error
}

func (e *ConnError) Error() string {
	switch e.Kind {
	case KindNameNotFound:
		return fmt.Sprintf("the server name in %s was not found: check the spelling (and the internet connection)", e.Server)
	case KindRefused:
		return fmt.Sprintf("%s refused the connection: check the port and the security setting (IMAPS is usually 993, STARTTLS 143)", e.Server)
	case KindTimeout:
		return fmt.Sprintf("%s did not answer in time: check the address and any firewall, then try again", e.Server)
	case KindTLS:
		return fmt.Sprintf("the certificate of %s cannot be trusted (%v); if this is the old host's own self-signed certificate, compare its SHA-256 fingerprint %s with the host's and pin it", e.Server, e.Err, e.Fingerprint)
	case KindPinMismatch:
		return fmt.Sprintf("the certificate of %s has CHANGED: its fingerprint is now %s, not the pinned one; do not continue unless the host confirms the new certificate", e.Server, e.Fingerprint)
	case KindAuth:
		return fmt.Sprintf("%s did not accept the login name or password%s", e.Server, serverSaid(e.Text))
	case KindTooMany:
		return fmt.Sprintf("%s has too many connections open for this user%s: Mailshift waits and uses fewer", e.Server, serverSaid(e.Text))
	case KindServerNo:
		return fmt.Sprintf("%s refused the request%s", e.Server, serverSaid(e.Text))
	case KindServerBad:
		return fmt.Sprintf("%s did not understand a command%s", e.Server, serverSaid(e.Text))
	case KindProtocol:
		return fmt.Sprintf("%s sent a reply that does not follow the IMAP protocol (%v); nothing from it was stored", e.Server, e.Err)
	case KindBye:
		return fmt.Sprintf("%s ended the session%s: Mailshift reconnects and goes on", e.Server, serverSaid(e.Text))
	case KindTooLarge:
		return fmt.Sprintf("%s: %v. Nothing of that reply was kept; if it happens again, ask the server's administrator to look at this", e.Server, e.Err)
	case KindPlaintext:
		return fmt.Sprintf("%s would receive the password unencrypted: allow plaintext for this server only if it is on a network you trust", e.Server)
	}
	return fmt.Sprintf("connection to %s failed: %v", e.Server, e.Err)
}

func (e *ConnError) Unwrap() error { return e.Err }

func serverSaid(text string) string {
	if text == "" {
		return ""
	}
	return fmt.Sprintf(" (the server said: %q)", text)
}

// classify turns a dial, TLS or IMAP error into a ConnError; a failure of
// a local file (the store's disk is full) is returned as it is.
func classify(server string, err error, fingerprint string) error {
	if err == nil {
		return nil
	}
	var ce *ConnError
	var local *fs.PathError // the store's own files (a full disk): not the connection's failure
	if errors.As(err, &ce) || errors.As(err, &local) {
		return err
	}
	e := &ConnError{Server: server, Err: err, Fingerprint: fingerprint}
	var dnsErr *net.DNSError
	var imapErr *imap.Error
	var certErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		e.Kind = KindNameNotFound
	case errors.As(err, new(*replyTooLarge)): // the tap's refusal, whatever the failure it caused looks like
		e.Kind = KindTooLarge
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = KindRefused
	case errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		e.Kind = KindTimeout
	case errors.As(err, &certErr) || errors.As(err, &hostErr) || errors.As(err, &invalid) || strings.Contains(err.Error(), "tls:"):
		e.Kind = KindTLS
	case errors.As(err, &imapErr):
		e.Text, e.Code = imapErr.Text, string(imapErr.Code)
		switch {
		case imapErr.Code == imap.ResponseCodeAuthenticationFailed || imapErr.Code == imap.ResponseCodeAuthorizationFailed:
			e.Kind = KindAuth
		case isTooMany(imapErr):
			e.Kind = KindTooMany
		case imapErr.Type == imap.StatusResponseTypeBye: // the push's own wire sessions read BYE themselves
			e.Kind = KindBye
			if imapErr.Code != "" {
				e.Text = "[" + string(imapErr.Code) + "] " + imapErr.Text
			}
		case imapErr.Type == imap.StatusResponseTypeBad:
			e.Kind = KindServerBad
		default:
			e.Kind = KindServerNo
		}
	case strings.Contains(err.Error(), "imapwire:") || errors.As(err, new(*protocolError)):
		e.Kind = KindProtocol
	default:
		e.Kind = KindNetwork
	}
	return e
}

// byeError is the failure of a command on a session the server ended with
// an untagged BYE (seen by the connection's byeTap): its words are kept,
// and a BYE that says "too many" counts as a connection cap.
func byeError(server string, bye *imap.Error, err error) error {
	text := bye.Text
	if bye.Code != "" {
		text = "[" + string(bye.Code) + "] " + text
	}
	e := &ConnError{Kind: KindBye, Server: server, Text: text, Code: string(bye.Code), Err: err}
	if isTooMany(bye) {
		e.Kind = KindTooMany
	}
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTooMany(e *imap.Error) bool {
	t := strings.ToLower(e.Text)
	return e.Code == imap.ResponseCodeLimit || strings.Contains(t, "too many") || strings.Contains(t, "maximum number of connections")
}

// IsTooMany reports a "too many connections" refusal (back off, don't fail).
func IsTooMany(err error) bool {
	var ce *ConnError
	return errors.As(err, &ce) && ce.Kind == KindTooMany
}

// IsLoginRefused reports that the server did not accept the login name or
// password: a person must fix the mailbox's login before another run.
func IsLoginRefused(err error) bool {
	var ce *ConnError
	return errors.As(err, &ce) && ce.Kind == KindAuth
}

// isThrottled reports a server's "not now": a refusal or BYE with the
// UNAVAILABLE or LIMIT response code (RFC 5530), or with a suggested wait.
// Retrying later is the cure; it is not the message's failure.
func isThrottled(err error) bool {
	var ce *ConnError
	if !errors.As(err, &ce) {
		return false
	}
	switch imap.ResponseCode(ce.Code) {
	case imap.ResponseCodeUnavailable, imap.ResponseCodeLimit:
		return true
	}
	return suggestedWait.MatchString(ce.Text)
}

// IsPermanent reports failures that retrying cannot fix (wrong password,
// untrusted or changed certificate, plaintext refused, name not found).
func IsPermanent(err error) bool {
	var ce *ConnError
	if !errors.As(err, &ce) {
		return false
	}
	switch ce.Kind {
	case KindAuth, KindTLS, KindPinMismatch, KindPlaintext, KindNameNotFound:
		return true
	}
	return false
}
