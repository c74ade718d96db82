package tap

import (
	"errors"
	"net"
	"syscall"
)

// isUnreachable reports whether err means nothing answered at the address:
// refused, unresolvable, unroutable or timed out.
func isUnreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.As(err, &dnsErr) || errors.As(err, &opErr)
}

// rootCause is the innermost error, which is what a person wants to read
// ("connection refused") rather than the chain of wrappers.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
