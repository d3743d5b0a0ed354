package sync

import (
	"bufio"
	"cmp"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"mailshift/store"
)

// throttleServer is a scripted IMAP server holding one INBOX of n
// messages (UIDs 1..n, UIDVALIDITY 7) that throttles its first faults
// UID FETCHes: after sending throttleAfter messages it ends the session
// with bye (an untagged BYE, then the socket closes), or, when no is set,
// refuses the FETCH outright with that tagged NO. It records when each
// session began, when each throttle was sent, every session's commands
// and how often each UID's body was sent.
type throttleServer struct {
	bodies        map[uint32]string
	throttleAfter int
	faults        int
	afterSessions int  // throttle only once this many sessions were accepted
	spareFirst    bool // never throttle the first session (a pull's own connection)
	renumber      bool // after the first throttle: UIDVALIDITY 8, every UID +100
	bye, no       string

	// STARTTLS: tls, when set, is offered and used; greeting and
	// startTLSReply, when set, replace the greeting line and the reply to
	// STARTTLS (raw text, for refusals and injections).
	tls           *tls.Config
	greeting      string
	startTLSReply string

	mu       gosync.Mutex
	uidv     uint32 // 7, or 8 once renumbered
	off      uint32 // added to every message's UID once renumbered
	accepted []time.Time
	thrown   []time.Time // when each throttle was sent
	sessions [][]string  // command verbs per session, in order
	sent     map[uint32]int
}

func newThrottleServer(n int) *throttleServer {
	s := &throttleServer{bodies: map[uint32]string{}, sent: map[uint32]int{}, uidv: 7}
	for u := uint32(1); u <= uint32(n); u++ {
		s.bodies[u] = fmt.Sprintf("From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: <%d@throttle>\r\nSubject: m %d\r\n\r\n%s\r\n", u, u, strings.Repeat(fmt.Sprintf("line %d of message %d\r\n", u, u), int(u)))
	}
	return s
}

func (s *throttleServer) start(t *testing.T) Endpoint {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepted = append(s.accepted, time.Now())
			s.sessions = append(s.sessions, nil)
			id := len(s.sessions) - 1
			s.mu.Unlock()
			go s.serve(c, id)
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	return Endpoint{Server: store.Server{Host: "127.0.0.1", Port: port, Security: store.SecurityPlain, AllowPlaintext: true},
		Username: "alice", Password: []byte(canaryPassword), DialTimeout: 3 * time.Second, CommandTimeout: 5 * time.Second}
}

func (s *throttleServer) serve(c net.Conn, id int) {
	defer func() { c.Close() }()
	w := bufio.NewWriter(c)
	r := bufio.NewReader(c)
	send := func(x string) { w.WriteString(x); w.Flush() }
	caps := "IMAP4rev1 AUTH=PLAIN"
	if s.tls != nil {
		caps += " STARTTLS"
	}
	send(cmp.Or(s.greeting, "* OK [CAPABILITY "+caps+"] throttling server ready") + "\r\n")
	n := len(s.bodies)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return
		}
		tag, verb := f[0], strings.ToUpper(f[1])
		if verb == "UID" && len(f) > 2 {
			verb += " " + strings.ToUpper(f[2])
		}
		s.mu.Lock()
		s.sessions[id] = append(s.sessions[id], verb)
		s.mu.Unlock()
		switch verb {
		case "CAPABILITY":
			send("* CAPABILITY " + caps + "\r\n")
		case "STARTTLS":
			if s.startTLSReply != "" {
				send(s.startTLSReply)
				continue
			}
			send(tag + " OK begin TLS now\r\n")
			c = tls.Server(c, s.tls)
			w, r, caps = bufio.NewWriter(c), bufio.NewReader(c), "IMAP4rev1 AUTH=PLAIN"
			continue
		case "LIST":
			send("* LIST () \"/\" INBOX\r\n")
		case "STATUS":
			uidv, off := s.view()
			send(fmt.Sprintf("* STATUS INBOX (MESSAGES %d UIDNEXT %d UIDVALIDITY %d)\r\n", n, n+int(off)+1, uidv))
		case "EXAMINE":
			uidv, off := s.view()
			send(fmt.Sprintf("* %d EXISTS\r\n* OK [UIDVALIDITY %d] ok\r\n* OK [UIDNEXT %d] ok\r\n", n, uidv, n+int(off)+1))
			send(tag + " OK [READ-ONLY] examined\r\n")
			continue
		case "UID SEARCH":
			var out []string
			for _, u := range s.uids(f[len(f)-1]) {
				out = append(out, strconv.Itoa(int(u)))
			}
			send("* SEARCH " + strings.Join(out, " ") + "\r\n")
		case "UID FETCH":
			if !strings.Contains(strings.ToUpper(line), "BODY") { // the flag scan
				_, off := s.view()
				for _, u := range s.uids(f[3]) {
					b := s.bodies[u-off]
					send(fmt.Sprintf("* %d FETCH (UID %d FLAGS (\\Seen) %s RFC822.SIZE %d)\r\n", u-off, u, fakeDate, len(b)))
				}
				break
			}
			if strings.Contains(strings.ToUpper(line), "BODY.PEEK[HEADER]") { // a re-match
				_, off := s.view()
				for _, u := range s.uids(f[3]) {
					b := s.bodies[u-off]
					h := b[:strings.Index(b, "\r\n\r\n")+4]
					send(fmt.Sprintf("* %d FETCH (UID %d FLAGS (\\Seen) %s RFC822.SIZE %d BODY[HEADER] {%d}\r\n%s)\r\n", u-off, u, fakeDate, len(b), len(h), h))
				}
				break
			}
			if !s.fetch(send, tag, s.uids(f[3]), id) {
				return
			}
			continue
		case "LOGOUT":
			send("* BYE bye\r\n" + tag + " OK done\r\n")
			return
		}
		send(tag + " OK done\r\n")
	}
}

// fetch answers one UID FETCH; false means the session was ended.
func (s *throttleServer) fetch(send func(string), tag string, uids []uint32, session int) bool {
	s.mu.Lock()
	throttle, no := s.faults > 0 && len(s.accepted) >= s.afterSessions && !(s.spareFirst && session == 0), s.no
	if throttle {
		s.faults--
	}
	off := s.off
	s.mu.Unlock()
	for i, u := range uids {
		if throttle && (i == s.throttleAfter || no != "") {
			break
		}
		b := s.bodies[u-off]
		send(fmt.Sprintf("* %d FETCH (UID %d FLAGS (\\Seen) %s RFC822.SIZE %d BODY[] {%d}\r\n%s)\r\n", u-off, u, fakeDate, len(b), len(b), b))
		s.mu.Lock()
		s.sent[u-off]++
		s.mu.Unlock()
	}
	if !throttle {
		send(tag + " OK fetched\r\n")
		return true
	}
	s.mu.Lock()
	s.thrown = append(s.thrown, time.Now())
	if s.renumber {
		s.uidv, s.off = 8, 100
	}
	s.mu.Unlock()
	if no != "" {
		send(tag + " " + no + "\r\n")
		return true
	}
	send(s.bye + "\r\n")
	return false
}

// view is the folder's UIDVALIDITY and UID offset now.
func (s *throttleServer) view() (uidv, off uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uidv, s.off
}

// uids reads a UID set ("1:*", "3,5:7") against the folder's UIDs; n:*
// includes the last message even when n is past it, as servers do.
func (s *throttleServer) uids(set string) []uint32 {
	_, off := s.view()
	first, n := off+1, off+uint32(len(s.bodies))
	var out []uint32
	for _, part := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a := parseUID(lo, n)
		b := a
		if isRange {
			b = parseUID(hi, n)
		}
		a, b = min(a, b), max(a, b)
		for u := a; u <= b && u <= n; u++ {
			if u >= first {
				out = append(out, u)
			}
		}
	}
	return out
}

func parseUID(s string, last uint32) uint32 {
	if s == "*" {
		return last
	}
	v, _ := strconv.ParseUint(s, 10, 32)
	return uint32(v)
}

// snapshot returns what the test asserts on, copied under the lock.
func (s *throttleServer) snapshot() (accepted, thrown []time.Time, sessions [][]string, sent map[uint32]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent = map[uint32]int{}
	for u, k := range s.sent {
		sent[u] = k
	}
	for _, v := range s.sessions {
		sessions = append(sessions, append([]string(nil), v...))
	}
	return append([]time.Time(nil), s.accepted...), append([]time.Time(nil), s.thrown...), sessions, sent
}
