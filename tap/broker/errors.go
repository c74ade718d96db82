package broker

import (
	"errors"
	"net"
	"syscall"
)

// IsUnreachable reports whether err means nothing answered at the address:
// refused, unresolvable, unroutable or timed out.
func IsUnreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.As(err, &dnsErr) || errors.As(err, &opErr)
}

// RootCause is the innermost error, which is what a person wants to read
// ("connection refused") rather than the chain of wrappers.
func RootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
