package testenv

import "crypto/x509"

func newPool(c *Cert) *x509.CertPool {
	pool := x509.NewCertPool()
	if c != nil {
		pool.AppendCertsFromPEM(c.CertPEM)
	}
	return pool
}
