package setup

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// TestMain stops the TLS test node after the package's tests, if one of
// them started it.
func TestMain(m *testing.M) {
	os.Exit(taptest.RunWithTLSNode(m))
}

// tlsBrokers are production (the TLS node's vhost "/") and a mirror (a
// throwaway vhost of the same node), both reached over AMQPS with the
// client certificate and guest's password.
func tlsBrokers(t *testing.T) (taptest.TLSNode, broker.Endpoint, broker.Endpoint) {
	t.Helper()
	node := taptest.TLS(t)
	prod := node.Guest(t)
	mirror := taptest.Vhost(t, prod)
	return node, prod, mirror
}

func runTLS(t *testing.T, node taptest.TLSNode, prod, mirror broker.Endpoint, cmd string, cfg Config) (string, error) {
	t.Helper()
	tl := node.TLS()
	cfg.Production = Broker{URL: node.URL("guest:guest"), API: prod.API, CACert: tl.CACert, Cert: tl.Cert, CertKey: tl.CertKey}
	// The mirror's own TLS files default to production's.
	cfg.Mirror.URL, cfg.Mirror.API = node.URL("guest:guest")+url.PathEscape(mirror.Vhost), mirror.API
	var out bytes.Buffer
	err := Run(context.Background(), RunConfig{Command: cmd, Config: cfg, Getenv: func(string) string { return "" }}, &out)
	return out.String(), err
}

// setup over TLS end to end: shoveltap's own connections to both brokers
// go through the CA file and the client certificate; production's shovel
// reaches the amqps:// mirror by x509 with files on production's host, so
// production stores no mirror password.
func TestSetupOverTLS(t *testing.T) {
	node, prod, mirror := tlsBrokers(t)
	node.AddX509User(t)
	rh := taptest.Admin(t, prod)
	if _, err := rh.UpdatePermissionsIn(mirror.Vhost, taptest.X509User, rabbithole.Permissions{Configure: ".*", Write: ".*", Read: ".*"}); err != nil {
		t.Fatal(err)
	}
	x := taptest.Exchange(t, prod, "topic")
	cfg := Config{ReconnectDelay: 1, Exchanges: []Exchange{{Name: x}},
		Mirror: Broker{ShovelCACert: node.File("ca.pem"), ShovelCert: node.File("client.pem"), ShovelCertKey: node.File("client.key")}}
	t.Cleanup(func() {
		if out, err := runTLS(t, node, prod, mirror, CmdTeardown, cfg); err != nil {
			t.Errorf("teardown (%v):\n%s", err, out)
		}
	})

	out, err := runTLS(t, node, prod, mirror, CmdApply, cfg)
	if err != nil || !strings.Contains(out, "Applied") {
		t.Fatalf("apply over TLS (%v):\n%s", err, out)
	}
	if strings.Contains(out, "password in clear") {
		t.Errorf("apply warns of a stored password, but the shovel logs in by x509:\n%s", out)
	}
	p, err := rh.GetRuntimeParameter("shovel", prod.Vhost, ShovelName(x))
	if err != nil {
		t.Fatal(err)
	}
	dest := p.Value.(map[string]any)["dest-uri"].(string)
	t.Logf("production's shovel: dest-uri %s", dest)
	for _, want := range []string{"amqps://localhost:5697/", "verify=verify_peer", "auth_mechanism=external", "certfile=" + node.File("client.pem")} {
		if !strings.Contains(dest, want) {
			t.Errorf("dest-uri lacks %q", want)
		}
	}
	if strings.Contains(dest, "guest") {
		t.Errorf("production stores the mirror's credentials: %s", dest)
	}

	consumer := taptest.Queue(t, mirror, x, "")
	waitShovelRunning(t, prod, x)
	p1 := newPublisher(t, prod)
	p1.publish(t, x, "tls", 0, 50, []string{"order.created"})
	mch := taptest.Channel(t, mirror)
	taptest.Eventually(t, 30*time.Second, "every message on the mirror", func() bool { return taptest.QueueDepth(t, mch, consumer) == 50 })

	out, err = runTLS(t, node, prod, mirror, CmdStatus, cfg)
	if err != nil || !strings.Contains(out, "running") {
		t.Errorf("status over TLS (%v):\n%s", err, out)
	}
}

// What a TLS mirror lacks is said before anything is created, and a
// password stored in production's shovel is pointed out.
func TestSetupOverTLSSaysWhatItNeeds(t *testing.T) {
	node, prod, mirror := tlsBrokers(t)
	x := taptest.Exchange(t, prod, "topic")
	cfg := Config{Exchanges: []Exchange{{Name: x}}}

	_, err := runTLS(t, node, prod, mirror, CmdPlan, cfg)
	if err == nil || !strings.Contains(err.Error(), "--mirror-shovel-ca-cert PATH") || !strings.Contains(err.Error(), "--insecure-tls") {
		t.Errorf("a TLS mirror without the shovel's CA file: %v", err)
	}

	cfg.Mirror.ShovelCACert = node.File("ca.pem")
	out, err := runTLS(t, node, prod, mirror, CmdPlan, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `holds the mirror user "guest"'s password in clear`) || !strings.Contains(out, "--mirror-shovel-cert") {
		t.Errorf("plan does not say the password is stored:\n%s", out)
	}
	if strings.Contains(out, "guest:guest") {
		t.Errorf("plan shows the password:\n%s", out)
	}

	tl := node.TLS()
	var buf bytes.Buffer
	err = Run(context.Background(), RunConfig{Command: CmdPlan, Config: Config{Exchanges: cfg.Exchanges,
		Production: Broker{URL: node.URL("guest:guest"), API: prod.API, CACert: tl.CACert, Cert: node.File("expired-client.pem"), CertKey: node.File("expired-client.key")},
		Mirror:     Broker{URL: node.URL("guest:guest") + url.PathEscape(mirror.Vhost), API: mirror.API, Cert: tl.Cert, CertKey: tl.CertKey, ShovelCACert: node.File("ca.pem")}},
		Getenv: func(string) string { return "" }}, &buf)
	if err == nil || !strings.Contains(err.Error(), "production broker") || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired production certificate: %v", err)
	}
}
