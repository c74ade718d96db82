package taptest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// TLSNode is the RabbitMQ node scripts/tls-node.sh runs for the TLS tests:
// AMQPS on 5697 and the management API over HTTPS on 15697, both with
// certificates of a test CA the script makes with openssl. Every AMQP
// client must show a certificate of that CA; x509 login (SASL EXTERNAL,
// the user named by the certificate's common name) is on beside PLAIN.
type TLSNode struct {
	// Dir holds ca.pem, server.pem, client.pem/key (CN shoveltap-x509),
	// stranger.pem/key (a CN that names no user), other-ca.pem (a CA that
	// signed nothing here), other.key (a key of no certificate here),
	// expired-client.pem/key and expired-server.pem/key.
	Dir       string
	AMQPSPort int
	HTTPSPort int
}

// X509User is the user client.pem logs in as.
const X509User = "shoveltap-x509"

// File is the path of one of the node's certificate files.
func (n TLSNode) File(name string) string { return filepath.Join(n.Dir, name) }

// TLS trusts the test CA and presents client.pem.
func (n TLSNode) TLS() broker.TLS {
	return broker.TLS{CACert: n.File("ca.pem"), Cert: n.File("client.pem"), CertKey: n.File("client.key")}
}

// URL is an amqps:// URL of the node for userinfo ("" for none, "u:p").
func (n TLSNode) URL(userinfo string) string {
	if userinfo != "" {
		userinfo += "@"
	}
	return fmt.Sprintf("amqps://%slocalhost:%d/", userinfo, n.AMQPSPort)
}

// API is the node's management API.
func (n TLSNode) API() string { return fmt.Sprintf("https://localhost:%d", n.HTTPSPort) }

// Guest is the node as guest, with a password and the client certificate
// (mutual TLS, PLAIN login).
func (n TLSNode) Guest(t testing.TB) broker.Endpoint {
	t.Helper()
	ep, err := broker.ResolveEndpointWith(n.URL("guest:guest"), n.API(), broker.Access{TLS: n.TLS()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// AddX509User creates X509User without a password (it logs in only with
// client.pem), with every permission on the vhost "/" and the given tags,
// and removes it when the test ends.
func (n TLSNode) AddX509User(t testing.TB, tags ...string) {
	t.Helper()
	rh := Admin(t, n.Guest(t))
	if _, err := rh.PutUserWithoutPassword(X509User, rabbithole.UserSettings{Tags: tags}); err != nil {
		t.Fatalf("creating user %s: %v", X509User, err)
	}
	t.Cleanup(func() { _, _ = rh.DeleteUser(X509User) })
	if _, err := rh.UpdatePermissionsIn("/", X509User, rabbithole.Permissions{Configure: ".*", Write: ".*", Read: ".*"}); err != nil {
		t.Fatalf("granting %s permissions: %v", X509User, err)
	}
}

// The TLS node is shared by the tests of one package: the first test that
// needs it starts it, and RunWithTLSNode stops it after the last.
var tlsNode struct {
	once    sync.Once
	node    TLSNode
	err     error
	started bool // by this process, so this process stops it
}

// TLS returns the TLS node, starting it with scripts/tls-node.sh the first
// time a test of the package asks. Skipped under -short; when the node
// cannot start, skipped locally and failed in CI (NeedBroker).
func TLS(t testing.TB) TLSNode {
	t.Helper()
	SkipShort(t)
	tlsNode.once.Do(func() {
		tlsNode.node, tlsNode.started, tlsNode.err = startTLSNode()
	})
	if tlsNode.err != nil {
		NeedBroker(t, "TLS test node (scripts/tls-node.sh start)", tlsNode.err)
	}
	return tlsNode.node
}

// RunWithTLSNode runs the package's tests and then stops the TLS node if
// one of them started it. TestMain calls os.Exit(taptest.RunWithTLSNode(m)).
func RunWithTLSNode(m *testing.M) int {
	code := m.Run()
	if tlsNode.started {
		if out, err := exec.Command(tlsScript(), "stop").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the TLS test node: %v\n%s", err, out)
		}
	}
	return code
}

func startTLSNode() (TLSNode, bool, error) {
	script := tlsScript()
	if script == "" {
		return TLSNode{}, false, errors.New("scripts/tls-node.sh not found above the working directory")
	}
	out, err := exec.Command(script, "start").CombinedOutput()
	if err != nil {
		return TLSNode{}, false, fmt.Errorf("%s start: %v\n%s", script, err, out)
	}
	node := TLSNode{Dir: "/tmp/shoveltap-nodes/shoveltap-tls/certs", AMQPSPort: 5697, HTTPSPort: 15697}
	return node, !strings.Contains(string(out), "already running"), nil
}

// tlsScript finds scripts/tls-node.sh in the module's root, above the
// package directory the test runs in.
func tlsScript() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "scripts", "tls-node.sh")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
