package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

func TestTapCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--exchange", "a", "--key", "1", "--key", "2", "--exchange", "b", "--exchange", "c"}, "3 --exchange values"},
		{[]string{"--exchange", "a", "orders"}, `unexpected argument "orders" (flags start with --; a command comes first`},
		{[]string{"--exchange", "a", "--max-bytes", "lots"}, "--max-bytes:"},
		{[]string{"--url", "ftp://host/"}, "shoveltap:"},
		{nil, "nothing to tap"}, // stdout is not a terminal: no picker
		{[]string{"--prefetch", "x"}, "--prefetch x: "},
		{[]string{"--exchnage", "x"}, "shoveltap: unknown flag --exchnage; did you mean --exchange?\nsee 'shoveltap --help'\n"},
		{[]string{"--duration", "5"}, "--duration 5: "},
		{[]string{"chek"}, `unknown command "chek"; did you mean check?`},
		{[]string{"--exchange", "a", "--idle-timeout", "-1s"}, "--idle-timeout -1s: give a positive duration"},
		{[]string{"--queue", "celery", "--deliveries"}, "use it with --queue NAME --firehose"},
		{[]string{"--queue", "q", "--from", "10m"}, "--from \"10m\": a time back from now starts with a minus: -10m"},
		{[]string{"--queue", "q", "--from", "tomorrow"}, "not next, first, last, offset:N"},
		{[]string{"--exchange", "a", "--metrics-token", "t"}, "--metrics-token goes with --metrics ADDR"},
		{[]string{"--exchange", "a", "--metrics-top", "many"}, "--metrics-top many: "},
	} {
		r := runArgs(t, "", false, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	// A wrong command line is one line and where the help is: two lines.
	for _, args := range [][]string{{"--prefetch", "x"}, {"--exchnage", "x"}, {"--max-rate", "-1"}, {"--duration", "5"}, {"--url"}, {"check", "--json", "extra"}} {
		r := runArgs(t, "", false, args...)
		if lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n"); r.code != 2 || len(lines) != 2 || !strings.HasPrefix(lines[1], "see 'shoveltap") {
			t.Errorf("%v: exit %d, stderr:\n%s", args, r.code, r.stderr)
		}
	}
}

// TestFilterWarnings: a --filter term that is likely a mistake is named
// before anything is tapped.
func TestFilterWarnings(t *testing.T) {
	r := runArgs(t, "", false, "--filter", "routing_key:order.# task:tasks.add")
	if !strings.Contains(r.stderr, `warning: --filter: "routing_key:order.#" is free text`) || strings.Contains(r.stderr, "task:tasks.add") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// A wrong --max-rate is refused with what to give (the values it sets:
// TestMaxRateFlag in ui/taprun).
func TestMaxRateFlagRefusesBadValues(t *testing.T) {
	for _, bad := range []string{"-5", "lots", "1.5"} {
		r := runArgs(t, "", false, "--exchange", "a", "--max-rate", bad)
		if r.code != 2 || !strings.Contains(r.stderr, "give copied messages per second") {
			t.Errorf("--max-rate %s: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}
}

// The decoding flags and the environments file's decoders: section are
// checked before the tap is created: a bad mapping is a usage error, a
// schema that does not load ends the run with one line, and the file's
// mappings may use the flags' schemas. The broker (port 1) is never
// reached before then.
func TestTapDecodingErrorsComeFirst(t *testing.T) {
	const url = "amqp://guest:guest@127.0.0.1:1/"
	r := runArgs(t, "", false, "--url", url, "--exchange", "x", "--proto", "p.proto", "--proto-type", "orders")
	if r.code != 2 || !strings.Contains(r.stderr, `--proto-type "orders": give CONDITION=TYPE`) || strings.Contains(r.stderr, "creating a tap") {
		t.Errorf("bad mapping: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runArgs(t, "", false, "open", "--proto-type", "orders", writeCapture(t, 1))
	if r.code != 2 || !strings.Contains(r.stderr, `shoveltap open: --proto-type "orders": give CONDITION=TYPE`) {
		t.Errorf("open, bad mapping: exit %d, stderr %q", r.code, r.stderr)
	}

	protos, err := filepath.Abs(filepath.Join("..", "decode", "protodec", "testdata", "protos"))
	if err != nil {
		t.Fatal(err)
	}
	file := "environments:\n  here:\n    url: " + url + "\ndecoders:\n  proto:\n    types:\n      - routing-key: 'orders.*'\n        type: shop.v1.Order\n"
	env := taptest.ConfigHome(t, file, 0o600)
	r = runWithEnv(t, env, "", false, "--env", "here", "--exchange", "x", "--json")
	if r.code != 2 || !strings.Contains(r.stderr, "decoders: proto types are mapped but no .proto file") || strings.Contains(r.stderr, "creating a tap") {
		t.Errorf("the file's mapping without a schema: exit %d, stderr %q", r.code, r.stderr)
	}
	// The file's schema and mapping load, and the tap is attempted (and
	// fails on port 1); a flag's mapping comes first and is checked too.
	file = strings.Replace(file, "  proto:\n", "  proto:\n    files: ["+protos+"]\n", 1)
	env = taptest.ConfigHome(t, file, 0o600)
	r = runWithEnv(t, env, "", false, "--env", "here", "--exchange", "x", "--json")
	if r.code != 1 || strings.Contains(r.stderr, "decoders:") || !strings.Contains(r.stderr, "creating a tap") {
		t.Errorf("the file's schema and mapping: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runWithEnv(t, env, "", false, "--env", "here", "--exchange", "x", "--json", "--proto-type", "orders.*=shop.v1.Nope")
	if r.code != 2 || !strings.Contains(r.stderr, `shoveltap: decoders: protobuf type mapping for routing key orders.*: type "shop.v1.Nope" is not in the schemas`) ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("a mapping to a type the schemas lack: exit %d, stderr %q", r.code, r.stderr)
	}
}
