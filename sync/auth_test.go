package sync

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// plainOnlyServer refuses LOGIN (LOGINDISABLED) and takes AUTHENTICATE
// PLAIN, as some hosts do: the only way in for a client that never sends
// a password in a LOGIN command there. It records whether the right
// credentials arrived.
func plainOnlyServer(t *testing.T, user, password string) (Endpoint, <-chan bool) {
	t.Helper()
	got := make(chan bool, 4)
	ep := scriptedIMAP(t, "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=PLAIN] ready", func(f []string, r *bufio.Reader, send func(string)) bool {
		switch strings.ToUpper(f[1]) {
		case "CAPABILITY":
			send("* CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=PLAIN\r\n" + f[0] + " OK done\r\n")
		case "LOGIN":
			send(f[0] + " NO LOGIN is disabled here\r\n")
		case "AUTHENTICATE":
			resp := ""
			if len(f) > 3 { // SASL-IR: the credentials on the command line
				resp = f[3]
			} else {
				send("+ \r\n")
				l, err := r.ReadString('\n')
				if err != nil {
					return false
				}
				resp = strings.TrimSpace(l)
			}
			creds, _ := base64.StdEncoding.DecodeString(resp)
			ok := string(creds) == "\x00"+user+"\x00"+password
			got <- ok
			if ok {
				send(f[0] + " OK [CAPABILITY IMAP4rev1] logged in\r\n")
			} else {
				send(f[0] + " NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
			}
		case "LOGOUT":
			send("* BYE bye\r\n" + f[0] + " OK done\r\n")
			return false
		default:
			send(f[0] + " OK done\r\n")
		}
		return true
	})
	ep.Username, ep.Password = user, []byte(password)
	return ep, got
}

// Where LOGIN is disabled the login goes by AUTHENTICATE PLAIN; the
// protocol trace shows neither the password nor its base64 form, and a
// refusal is worded as a wrong password without either.
func TestAuthenticatePlainWhereLoginIsDisabled(t *testing.T) {
	ep, got := plainOnlyServer(t, "alice", canaryPassword)
	var trace traceLog
	ep.Trace = trace.add
	c, err := Dial(context.Background(), ep)
	if err != nil {
		t.Fatalf("AUTHENTICATE PLAIN: %v", err)
	}
	c.Close()
	if ok := <-got; !ok {
		t.Fatal("the server got other credentials")
	}
	secret := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00" + canaryPassword))
	log := trace.all()
	if !strings.Contains(log, " AUTHENTICATE ") || strings.Contains(log, canaryPassword) || strings.Contains(log, secret) || strings.Contains(log, "LOGIN ") {
		t.Fatalf("trace:\n%s", log)
	}

	ep.Password = []byte("Wrong-" + canaryPassword)
	_, err = Dial(context.Background(), ep)
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Kind != KindAuth || strings.Contains(err.Error(), canaryPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if ok := <-got; ok {
		t.Fatal("the wrong password was accepted")
	}
}
