package domain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// server is one DNS server as dialled: Name is shown to people.
type server struct {
	Name string // "ns1.example.net", "resolver Cloudflare", "root"
	IP   string // as named in DNS, when known
	Addr string // host:port dialled
}

func (s server) String() string {
	if s.IP != "" && s.Name != s.IP {
		return fmt.Sprintf("%s (%s)", s.Name, s.IP)
	}
	if s.Name != "" {
		return s.Name
	}
	return s.Addr
}

// answer is one server's reply to one question.
type answer struct {
	Server  server
	Msg     *dns.Msg // nil when Err is set
	Err     error    // network error or timeout
	UsedTCP bool     // the UDP reply was truncated and the query repeated over TCP
	RTT     time.Duration
}

// ok reports whether the server answered with NOERROR or NXDOMAIN.
func (a answer) ok() bool {
	return a.Err == nil && a.Msg != nil && (a.Msg.Rcode == dns.RcodeSuccess || a.Msg.Rcode == dns.RcodeNameError)
}

// problem describes why the answer is not usable ("" when ok()).
func (a answer) problem() string {
	switch {
	case a.Err != nil:
		return describeNetErr(a.Err)
	case a.Msg == nil:
		return "no reply"
	case !a.ok():
		return "replied " + dns.RcodeToString[a.Msg.Rcode]
	}
	return ""
}

// errOffline marks failures to reach any DNS server at all.
var errOffline = errors.New("no DNS server could be reached")

// errUnreachable marks a server that could not be reached (no reply at all).
var errUnreachable = errors.New("the server could not be reached")

// isNetErr reports whether err is a transport failure (timeout, refused,
// unreachable) rather than a DNS-level answer.
func isNetErr(err error) bool {
	var ne net.Error
	return err != nil && (errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errOffline) || errors.Is(err, errUnreachable) ||
		strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "unreachable"))
}

// describeNetErr names a transport failure in words.
func describeNetErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "no reply (timeout)"
	case strings.Contains(err.Error(), "refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "unreachable"):
		return "network unreachable"
	case errors.As(err, new(*dns.Error)):
		return "replied with something that is not a valid DNS message"
	}
	return err.Error()
}

// exchanger sends single questions to single servers.
type exchanger struct {
	timeout time.Duration
	retries int
	cd      bool // set CD (checking disabled): a validating resolver answers even when validation fails
}

// ask sends one question to srv: over UDP (with retries on timeout), again
// over TCP when the reply is truncated. rd asks for recursion (resolvers);
// the DO bit is always set so signed zones return RRSIGs, and AD is set so
// validating resolvers say whether they validated.
func (x exchanger) ask(ctx context.Context, srv server, name string, qtype uint16, rd bool) answer {
	q := new(dns.Msg)
	q.SetQuestion(fqdn(name), qtype)
	q.RecursionDesired = rd
	q.AuthenticatedData = true
	q.CheckingDisabled = x.cd
	q.SetEdns0(1232, true)
	a := answer{Server: srv}
	start := time.Now()
	for try := 0; try <= x.retries; try++ {
		a.Msg, a.Err = x.exchange(ctx, "udp", srv.Addr, q)
		if a.Err == nil || !isTimeout(a.Err) || ctx.Err() != nil {
			break
		}
	}
	if a.Err == nil && a.Msg.Truncated {
		a.UsedTCP = true
		a.Msg, a.Err = x.exchange(ctx, "tcp", srv.Addr, q)
	}
	if a.Err == nil && a.Msg.Id != q.Id {
		a.Msg, a.Err = nil, fmt.Errorf("reply id mismatch")
	}
	if a.Err != nil {
		a.Msg = nil
	}
	a.RTT = time.Since(start)
	return a
}

func (x exchanger) exchange(ctx context.Context, network, addr string, q *dns.Msg) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: x.timeout, UDPSize: 1232}
	m, _, err := c.ExchangeContext(ctx, q.Copy(), addr)
	if err != nil {
		return nil, fmt.Errorf("ask %s over %s: %w", addr, network, err)
	}
	return m, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// rrsOf returns the records of type t in rrs (CNAME-following is the caller's job).
func rrsOf(rrs []dns.RR, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			out = append(out, rr)
		}
	}
	return out
}

// signed reports whether msg carries an RRSIG in its answer.
func signed(m *dns.Msg) bool {
	return m != nil && len(rrsOf(m.Answer, dns.TypeRRSIG)) > 0
}

// rrValue is a record's data in presentation form, without owner/TTL/type.
func rrValue(rr dns.RR) string {
	h := rr.Header()
	s := rr.String()
	prefix := h.String()
	return strings.TrimSpace(strings.TrimPrefix(s, prefix))
}

// evidenceOf turns records answered by src into Evidence.
func evidenceOf(src string, rrs []dns.RR) []Evidence {
	var out []Evidence
	for _, rr := range rrs {
		h := rr.Header()
		out = append(out, Evidence{Source: src, Name: bare(h.Name), Type: dns.TypeToString[h.Rrtype], TTL: h.Ttl, Value: rrValue(rr)})
	}
	return out
}
