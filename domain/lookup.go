package domain

import (
	"context"
	"errors"
	"strings"

	"github.com/miekg/dns"
)

// lookup resolves name/qtype from the authoritative servers, following CNAMEs.
func (r *resolver) lookup(ctx context.Context, name string, qtype uint16) lookup {
	return r.lookupDepth(ctx, name, qtype, 0)
}

func (r *resolver) lookupDepth(ctx context.Context, name string, qtype uint16, depth int) lookup {
	key := fqdn(name) + "/" + dns.TypeToString[qtype]
	r.mu.Lock()
	if l, ok := r.answers[key]; ok {
		r.mu.Unlock()
		return l
	}
	r.mu.Unlock()
	l := lookup{Name: bare(name), Type: qtype}
	cur := fqdn(name)
	for hop := 0; hop < 8; hop++ {
		a, err := r.iterate(ctx, cur, qtype, depth)
		if err != nil {
			l.Err = err
			break
		}
		l.Server, l.Rcode, l.Signed = a.Server, a.Msg.Rcode, signed(a.Msg)
		next, final := followChain(a.Msg.Answer, cur, qtype, &l)
		if final || next == "" || l.Rcode != dns.RcodeSuccess {
			break
		}
		cur = next
	}
	if l.Err == nil && len(l.Records) == 0 && len(l.Chain) >= 8 {
		l.Err = errors.New("CNAME chain too long")
	}
	if !errors.Is(l.Err, context.Canceled) {
		r.mu.Lock()
		r.answers[key] = l
		r.mu.Unlock()
	}
	return l
}

// followChain walks CNAMEs in ans from cur, appending to l. It returns the
// name still to resolve ("" when done) and whether records were found.
func followChain(ans []dns.RR, cur string, qtype uint16, l *lookup) (string, bool) {
	for i := 0; i < 8; i++ {
		var found []dns.RR
		var cname *dns.CNAME
		for _, rr := range ans {
			if !strings.EqualFold(rr.Header().Name, cur) {
				continue
			}
			if rr.Header().Rrtype == qtype {
				found = append(found, rr)
			} else if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				cname = c
			}
		}
		if len(found) > 0 {
			l.Records = found
			return "", true
		}
		if cname == nil {
			return "", false
		}
		l.Chain = append(l.Chain, cname)
		cur = fqdn(cname.Target)
		if len(l.Chain) >= 8 {
			return "", false
		}
		// The target may be in this answer already; otherwise resolve it.
		inAnswer := false
		for _, rr := range ans {
			if strings.EqualFold(rr.Header().Name, cur) {
				inAnswer = true
			}
		}
		if !inAnswer {
			return cur, false
		}
	}
	return "", false
}
