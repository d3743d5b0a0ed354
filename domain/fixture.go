package domain

import (
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// fault makes a fixture server misbehave the way real servers do.
type fault int

const (
	faultNone        fault = iota
	faultDrop              // never answers (a timeout)
	faultServfail          // SERVFAIL to everything
	faultRefuse            // REFUSED to everything (lame: not configured for the zone)
	faultTruncateUDP       // every UDP reply is empty with TC set; TCP answers fully
	faultBogus             // a validating resolver whose validation fails: SERVFAIL unless CD is set
	faultGarbage           // replies with bytes that are no DNS message
)

// fixtureZone is one zone's records, by lower-case owner name.
type fixtureZone struct {
	apex  string
	rrs   map[string][]dns.RR
	names map[string]bool // every owner and empty non-terminal
}

// parseZone reads zone-file text (with $TTL as needed) for origin.
func parseZone(origin, text string) (*fixtureZone, error) {
	z := &fixtureZone{apex: fqdn(origin), rrs: map[string][]dns.RR{}, names: map[string]bool{}}
	zp := dns.NewZoneParser(strings.NewReader(text), z.apex, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		owner := strings.ToLower(rr.Header().Name)
		z.rrs[owner] = append(z.rrs[owner], rr)
		for n := owner; dns.IsSubDomain(z.apex, n); {
			z.names[n] = true
			if n == z.apex {
				break
			}
			_, rest, _ := strings.Cut(n, ".")
			if rest == "" {
				rest = "." // the parent of a top-level name is the root
			}
			n = rest
		}
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("zone %s: %w", origin, err)
	}
	return z, nil
}

// fixtureServer answers DNS questions on 127.0.0.1 (UDP and TCP, one port)
// from fixture zones: authoritatively with referrals at zone cuts, or in
// resolver mode as a recursive resolver would (RA set, no referrals).
type fixtureServer struct {
	Addr     string
	resolver bool
	zones    []*fixtureZone

	mu       sync.Mutex
	fault    fault
	queries  int
	udp, tcp *dns.Server
}

// startFixture starts a server for zones; stop it with close.
func startFixture(resolverMode bool, zones ...*fixtureZone) (*fixtureServer, error) {
	s := &fixtureServer{resolver: resolverMode, zones: zones}
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for try := 0; try < 20; try++ {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("fixture dns: listen udp: %w", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("fixture dns: listen tcp: %w", err)
	}
	s.Addr = pc.LocalAddr().String()
	var started sync.WaitGroup
	started.Add(2)
	s.udp = &dns.Server{PacketConn: pc, Handler: s, NotifyStartedFunc: started.Done}
	s.tcp = &dns.Server{Listener: ln, Handler: s, NotifyStartedFunc: started.Done}
	go s.udp.ActivateAndServe()
	go s.tcp.ActivateAndServe()
	started.Wait()
	return s, nil
}

// setFault changes how the server behaves from the next query on.
func (s *fixtureServer) setFault(f fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// queryCount is how many questions the server has received.
func (s *fixtureServer) queryCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func (s *fixtureServer) close() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

// ServeDNS implements dns.Handler.
func (s *fixtureServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.mu.Lock()
	f := s.fault
	s.queries++
	s.mu.Unlock()
	_, isUDP := w.RemoteAddr().(*net.UDPAddr)
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = s.resolver
	switch {
	case f == faultDrop:
		return
	case f == faultGarbage:
		w.Write([]byte("\x12\x34 not a DNS message"))
		return
	case f == faultServfail:
		m.Rcode = dns.RcodeServerFailure
	case f == faultRefuse:
		m.Rcode = dns.RcodeRefused
	case len(req.Question) != 1:
		m.Rcode = dns.RcodeFormatError
	case f == faultBogus && !req.CheckingDisabled:
		m.Rcode = dns.RcodeServerFailure
	case f == faultTruncateUDP && isUDP:
		m.Truncated = true
	default:
		s.answer(m, req)
	}
	size := 512
	if opt := req.IsEdns0(); opt != nil {
		size = int(opt.UDPSize())
		m.SetEdns0(opt.UDPSize(), opt.Do())
	}
	if isUDP {
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// zoneFor returns the deepest zone holding name.
func (s *fixtureServer) zoneFor(name string) *fixtureZone {
	var best *fixtureZone
	for _, z := range s.zones {
		if dns.IsSubDomain(z.apex, name) && (best == nil || dns.CountLabel(z.apex) > dns.CountLabel(best.apex)) {
			best = z
		}
	}
	return best
}

// answer fills m with the reply to req's question.
func (s *fixtureServer) answer(m, req *dns.Msg) {
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	do := req.IsEdns0() != nil && req.IsEdns0().Do()
	z := s.zoneFor(name)
	if z == nil {
		m.Rcode = dns.RcodeRefused
		return
	}
	if !s.resolver {
		if cutName, ns := z.delegation(name); ns != nil && !(q.Qtype == dns.TypeDS && cutName == name) {
			m.Ns = append(m.Ns, ns...)
			m.Ns = append(m.Ns, z.typed(cutName, dns.TypeDS, do)...)
			for _, rr := range ns {
				m.Extra = append(m.Extra, z.typed(strings.ToLower(rr.(*dns.NS).Ns), dns.TypeA, false)...)
			}
			return
		}
		m.Authoritative = true
	}
	cur := name
	for hop := 0; hop < 8; hop++ {
		if !z.names[cur] {
			if hop == 0 {
				m.Rcode = dns.RcodeNameError
			}
			break
		}
		if rrs := z.typed(cur, q.Qtype, do); len(rrs) > 0 {
			m.Answer = append(m.Answer, rrs...)
			break
		}
		cn := z.typed(cur, dns.TypeCNAME, do)
		if len(cn) == 0 || q.Qtype == dns.TypeCNAME {
			break
		}
		m.Answer = append(m.Answer, cn...)
		cur = strings.ToLower(cn[0].(*dns.CNAME).Target)
		if next := s.zoneFor(cur); next != nil && (next == z || s.resolver) {
			z = next
		} else {
			break
		}
	}
	if len(m.Answer) == 0 {
		m.Ns = append(m.Ns, z.typed(z.apex, dns.TypeSOA, false)...)
	}
	if s.resolver && do && signed(m) {
		m.AuthenticatedData = true
	}
}

// delegation returns the closest zone cut at or above name (below the
// apex) and its NS records, or nil.
func (z *fixtureZone) delegation(name string) (string, []dns.RR) {
	labels := dns.SplitDomainName(name)
	apexLabels := dns.CountLabel(z.apex)
	for i := apexLabels + 1; i <= len(labels); i++ {
		n := dns.Fqdn(strings.Join(labels[len(labels)-i:], "."))
		if ns := z.typed(n, dns.TypeNS, false); len(ns) > 0 {
			return n, ns
		}
	}
	return "", nil
}

// typed returns the records of type t at owner, with their RRSIGs when do.
func (z *fixtureZone) typed(owner string, t uint16, do bool) []dns.RR {
	var out []dns.RR
	for _, rr := range z.rrs[owner] {
		if rr.Header().Rrtype == t {
			out = append(out, dns.Copy(rr))
		} else if sig, ok := rr.(*dns.RRSIG); ok && do && sig.TypeCovered == t {
			out = append(out, dns.Copy(rr))
		}
	}
	return out
}
