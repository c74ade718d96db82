package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebCommandLineErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--exchange", "a", "--web-only"}, "--web-only and --web-token go with --web ADDR"},
		{[]string{"--exchange", "a", "--web-token", "0123456789abcdef0123"}, "go with --web ADDR"},
		{[]string{"--web", "127.0.0.1:0", "--web-only"}, "nothing to tap: --web-only needs --exchange NAME or --queue NAME"},
		{[]string{"--exchange", "a", "--web", "8080"}, `--web "8080": want HOST:PORT`},
		{[]string{"--exchange", "a", "--web", "127.0.0.1:http"}, "the port must be a number"},
		{[]string{"--exchange", "a", "--web", ":0", "--web-token", "short"}, "at least 16"},
		{[]string{"--exchange", "a", "--web", busy.Addr().String()}, "choose another --web address or port"},
		// Issue 22, edge 5: flags the chosen output would ignore are refused.
		{[]string{"--exchange", "a", "--web", "127.0.0.1:0", "--web-only", "--json"}, "--web-only serves the web page only, with no JSON output"},
	} {
		// Every one fails before anything touches a broker (there is none
		// at this URL), so nothing is left behind.
		args := append([]string{"--url", "amqp://guest@127.0.0.1:1/"}, tc.args...)
		r := runArgs(t, "", false, args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stderr, "creating a tap") {
			t.Errorf("%v: a tap was attempted: %s", tc.args, r.stderr)
		}
	}
}

// A --web address that cannot be used leaves nothing behind, not even the
// --record file.
func TestBadWebAddressCreatesNoRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	r := runArgs(t, "", false, "--url", "amqp://guest@127.0.0.1:1/", "--exchange", "a", "--record", path, "--web", "nonsense")
	if r.code != 2 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the recording %s exists after a refused --web (%v)", path, err)
	}
}
