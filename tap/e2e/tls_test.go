package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/taptest"
)

// The whole command over TLS with x509 login, every setting from a named
// environment: a --no-shovel tap of an exchange prints what is published.
func TestTapCommandOverTLSWithX509Environment(t *testing.T) {
	node := taptest.TLS(t)
	node.AddX509User(t)
	guest := node.Guest(t)
	x := taptest.Exchange(t, guest, "topic")
	env := taptest.ConfigHome(t, fmt.Sprintf(`
environments:
  tls:
    label: TLS test
    url: %s
    ca-cert: %s
    cert: %s
    cert-key: %s
`, node.URL(""), node.File("ca.pem"), node.File("client.pem"), node.File("client.key")), 0o644)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := taptest.Channel(t, guest)
	go func() { // until the tap has one message
		for ctx.Err() == nil {
			_ = ch.Publish(x, "k", false, false, amqp.Publishing{Body: []byte("over TLS by x509")})
			time.Sleep(100 * time.Millisecond)
		}
	}()
	r := runWithEnv(t, env, "", false, "--env", "tls", "--exchange", x, "--no-shovel", "--json", "--count", "1", "--duration", "20s")
	cancel()
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	var m struct {
		Exchange string `json:"exchange"`
		Body     string `json:"body"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &m); err != nil {
		t.Fatalf("output %q: %v", r.stdout, err)
	}
	if m.Exchange != x || !strings.Contains(r.stdout, "over TLS by x509") {
		t.Errorf("tapped %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "x509") {
		t.Errorf("stderr does not say the API is not used with x509:\n%s", r.stderr)
	}
	taptest.WaitClean(t, guest, "shoveltap-", 10*time.Second)
}

// The same environment without --no-shovel says what needs a password.
func TestShovelTapCommandWithX509SaysWhatItNeeds(t *testing.T) {
	node := taptest.TLS(t)
	node.AddX509User(t)
	x := taptest.Exchange(t, node.Guest(t), "topic")
	r := runArgs(t, "", false, "--url", node.URL(""), "--ca-cert", node.File("ca.pem"), "--cert", node.File("client.pem"), "--cert-key", node.File("client.key"), "--exchange", x, "--json")
	if r.code != 1 || !strings.Contains(r.stderr, "no x509 login") || !strings.Contains(r.stderr, "--no-shovel") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// cleanup and replay reach a TLS broker with the same flags.
func TestCleanupAndReplayOverTLS(t *testing.T) {
	node := taptest.TLS(t)
	guest := node.Guest(t)
	tlsArgs := []string{"--url", node.URL("guest:guest"), "--api", node.API(), "--ca-cert", node.File("ca.pem"), "--cert", node.File("client.pem"), "--cert-key", node.File("client.key")}

	r := runArgs(t, "", false, append([]string{"cleanup"}, tlsArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "Nothing to clean up on localhost:5697") {
		t.Errorf("cleanup over TLS: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	x := taptest.Exchange(t, guest, "topic")
	q := taptest.Queue(t, guest, x, "#")
	path := writeCapture(t, 3)
	r = runArgs(t, "", false, append([]string{"replay", path, "--exchange", x, "--yes"}, tlsArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "confirmed 3") {
		t.Errorf("replay over TLS: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	ch := taptest.Channel(t, guest)
	if n := taptest.QueueDepth(t, ch, q); n != 3 {
		t.Errorf("the queue holds %d messages, want 3", n)
	}

	// A refused certificate stops replay before anything is published.
	bad := append([]string{"replay", path, "--exchange", x, "--yes"}, tlsArgs...)
	bad[len(bad)-1] = node.File("other.key")
	r = runArgs(t, "", false, bad...)
	if r.code != 2 || !strings.Contains(r.stderr, "is not the private key of the certificate") {
		t.Errorf("replay with the wrong key: exit %d, stderr %q", r.code, r.stderr)
	}
}
