// Package testtier sorts tests into make test's fast tier and make test-all's
// slow one. It imports nothing of shoveltap's, so any test may use it.
package testtier

import (
	"os"
	"testing"
)

// Slow marks a test of the slow tier: a soak, a long retention or a large
// volume, whose behaviour make test-all covers (make test leaves it out to
// stay within minutes). SHOVELTAP_TEST_SLOW=1 runs it; =0 leaves it out on
// purpose (make test, and the 4.x runs of make test-all, which cover the
// slow tier on 3.10 already), and so does -short. Unset, it is skipped on a developer machine
// and fails in CI, so CI never skips it silently.
func Slow(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("slow tier (%s): skipped under -short", why)
	}
	switch os.Getenv("SHOVELTAP_TEST_SLOW") {
	case "1":
		return
	case "0":
		t.Skipf("slow tier (%s): make test-all runs it", why)
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("slow tier (%s): CI is set but SHOVELTAP_TEST_SLOW is not; set it to 1 (make test-all) or 0 (a tier that leaves it out)", why)
	}
	t.Skipf("slow tier (%s): SHOVELTAP_TEST_SLOW=1 or make test-all runs it", why)
}
