// Package domain checks an email domain before and during a mail cutover:
// DNS records asked of the authoritative servers and of public resolvers,
// registration status through RDAP, propagation of a changed MX, TTL
// advice and IMAP server discovery. Every check reports Findings with a
// severity, a plain-language summary, the evidence and what to do.
//
// Everything that reaches the network is configured through Config (root
// servers, resolvers, address overrides, timeouts, the RDAP bootstrap URL,
// the HTTP client and the clock), so tests and the demo (StartDemo) run
// against servers on 127.0.0.1. No function blocks longer than its context
// and the configured timeouts allow; when no server can be reached, checks
// end with SeverityNotRun ("not run: offline"), never with a pass.
package domain
