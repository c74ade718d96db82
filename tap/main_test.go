package tap_test

import (
	"os"
	"testing"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// TestMain stops the TLS test node after the package's tests, if one of
// them started it.
func TestMain(m *testing.M) {
	os.Exit(taptest.RunWithTLSNode(m))
}
