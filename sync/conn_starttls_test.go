package sync

import (
	"context"
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// selfSigned is a server TLS config with a fresh self-signed certificate
// for 127.0.0.1, and the pin a client needs for it.
func selfSigned(t *testing.T) (*tls.Config, string) {
	t.Helper()
	cert, err := testenv.NewCert("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(cert.CertPEM, cert.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}, cert.SHA256()
}

// withStartTLS makes srv offer STARTTLS with a fresh self-signed
// certificate and returns an endpoint that pins it.
func withStartTLS(t *testing.T, srv *throttleServer) Endpoint {
	t.Helper()
	var pin string
	srv.tls, pin = selfSigned(t)
	ep := srv.start(t)
	ep.Security, ep.AllowPlaintext, ep.PinSHA256 = store.SecuritySTARTTLS, false, pin
	return ep
}

// Over STARTTLS the session after the upgrade is tapped and traced too:
// a mid-session BYE's suggested wait is honoured, every message stored
// once, and the trace shows STARTTLS before the (redacted) login.
func TestStartTLSSessionIsTappedAndTraced(t *testing.T) {
	srv := newThrottleServer(20)
	srv.throttleAfter, srv.faults = 6, 1
	srv.bye = "* BYE [UNAVAILABLE] Server busy, try again in 1 seconds"
	ep := withStartTLS(t, srv)
	var trace traceLog
	ep.Trace = trace.add
	rep, err, db, _ := pullThrottled(t, context.Background(), ep, PullOptions{Backoff: 10 * time.Millisecond})
	if err != nil || rep.Exceptions() {
		t.Fatalf("pull: %v %s", err, rep.Summary())
	}
	if gap, _ := reconnectAfter(t, srv); gap < time.Second {
		t.Fatalf("reconnected %v after the BYE, before the suggested 1 s", gap)
	}
	assertStoredOnce(t, db, srv, rep)
	log := trace.all()
	st, login := strings.Index(log, "S1 STARTTLS"), strings.Index(log, "LOGIN [redacted]")
	if st < 0 || login < 0 || st > login {
		t.Fatalf("trace does not show STARTTLS before a redacted login:\n%s", log)
	}
	assertNoCanary(t, db.Dir(), log, rep.Summary())
}

// STARTTLS that fails in any way is a hard failure before any login: a
// refused STARTTLS, plaintext injected after its OK, a PREAUTH greeting,
// a wrong certificate. A throttling BYE greeting keeps its words.
func TestStartTLSFailuresNeverSendThePassword(t *testing.T) {
	for _, tc := range []struct {
		name     string
		greeting string
		reply    string
		badPin   bool
		want     string
	}{
		{name: "refused", reply: "S1 NO [UNAVAILABLE] not today\r\n", want: "STARTTLS refused: [UNAVAILABLE] not today"},
		{name: "injection after OK", reply: "S1 OK begin\r\nA1 OK LOGIN done\r\n", want: "injection"},
		{name: "preauth greeting", greeting: "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome", want: "PREAUTH"},
		{name: "throttling bye greeting", greeting: "* BYE [UNAVAILABLE] Server busy, try again in 7 seconds", want: "try again in 7 seconds"},
		{name: "changed certificate", badPin: true, want: "CHANGED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newThrottleServer(1)
			srv.greeting, srv.startTLSReply = tc.greeting, tc.reply
			ep := withStartTLS(t, srv)
			if tc.badPin {
				ep.PinSHA256 = strings.Repeat("ab", 32)
			}
			c, err := Dial(context.Background(), ep)
			if err == nil {
				c.Close()
				t.Fatal("connected")
			}
			var ce *ConnError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), canaryPassword) {
				t.Fatal("the password is in the error")
			}
			_, _, sessions, _ := srv.snapshot()
			for _, s := range sessions {
				if slices.Contains(s, "LOGIN") || slices.Contains(s, "AUTHENTICATE") {
					t.Fatalf("a login was sent: %v", s)
				}
			}
		})
	}
}
