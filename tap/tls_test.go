package tap_test

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// openTLSTap opens a tap on the TLS node and removes it, checking that
// nothing is left, when the test ends.
func openTLSTap(t *testing.T, node taptest.TLSNode, cfg tap.Config) *tap.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.Host = "it-tls"
	s, err := tap.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("opening the tap: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("closing the tap: %v", err)
		}
		taptest.WaitClean(t, node.Guest(t), s.Names().Base, 10*time.Second)
	})
	return s
}

// publishAndCollect publishes bodies to exchange x and returns what the tap
// shows.
func publishAndCollect(t *testing.T, ep broker.Endpoint, s *tap.Session, x string, bodies ...string) []string {
	t.Helper()
	ch := taptest.Channel(t, ep)
	for _, b := range bodies {
		taptest.Publish(t, ch, x, "k", amqp.Publishing{Body: []byte(b)})
	}
	var got []string
	for _, m := range collect(t, s, len(bodies), 10*time.Second) {
		got = append(got, string(m.Body))
	}
	return got
}

// A shovel tap over TLS with a client certificate and a password: AMQP
// and the management API both go through the CA file and the certificate.
func TestTLSShovelTapWithClientCertificate(t *testing.T) {
	node := taptest.TLS(t)
	ep := node.Guest(t)
	if ep.X509 || ep.API != node.API() {
		t.Fatalf("endpoint %+v", ep)
	}
	x := taptest.Exchange(t, ep, "topic")
	s := openTLSTap(t, node, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: x, Key: "#"}}})
	if got := publishAndCollect(t, ep, s, x, "one", "two"); strings.Join(got, ",") != "one,two" {
		t.Errorf("tapped %v", got)
	}
}

// x509 login: the client certificate and no password. A --no-shovel tap
// of an exchange needs no management API, so it works; the shovel tap
// says what it needs instead.
func TestX509Login(t *testing.T) {
	node := taptest.TLS(t)
	node.AddX509User(t)
	ep, err := broker.ResolveEndpointWith(node.URL(""), node.API(), broker.Access{TLS: node.TLS()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if !ep.X509 || ep.User != taptest.X509User || ep.Password != "" {
		t.Fatalf("x509 endpoint: X509 %v, user %q", ep.X509, ep.User)
	}
	x := taptest.Exchange(t, node.Guest(t), "topic")

	t.Run("--no-shovel", func(t *testing.T) {
		s := openTLSTap(t, node, tap.Config{Endpoint: ep, NoShovel: true, Sources: []tap.Source{{Exchange: x, Key: "#"}}})
		if !strings.Contains(strings.Join(s.Notes, " "), "x509") {
			t.Errorf("no note that the API is not used: %v", s.Notes)
		}
		if got := publishAndCollect(t, node.Guest(t), s, x, "by certificate"); got[0] != "by certificate" {
			t.Errorf("tapped %v", got)
		}
	})
	t.Run("shovel tap needs a password", func(t *testing.T) {
		got := openErr(t, ep, x)
		wantAll(t, got, "no x509 login", "password", "SHOVELTAP_PASSWORD", "--password-file", "--no-shovel")
	})
	t.Run("--queue needs the API", func(t *testing.T) {
		q := taptest.Queue(t, node.Guest(t), x, "#")
		s, err := tap.Open(context.Background(), tap.Config{Endpoint: ep, NoShovel: true, Sources: []tap.Source{{Queue: q}}, Host: "it-tls"})
		if err == nil {
			_ = s.Close(context.Background())
			t.Fatal("a --queue tap opened without the management API")
		}
		wantAll(t, err.Error(), "management API", "x509")
	})
	t.Run("refused", func(t *testing.T) {
		stranger := node.TLS()
		stranger.Cert, stranger.CertKey = node.File("stranger.pem"), node.File("stranger.key")
		ep, err := broker.ResolveEndpointWith(node.URL(""), node.API(), broker.Access{TLS: stranger}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		got := openErr(t, ep, x)
		wantAll(t, got, "refused the x509 login", "shoveltap-stranger", "ssl_cert_login_from", "rabbitmqctl add_user", "password")
	})
}

// Every certificate problem says what failed and what to do.
func TestTLSErrorsAreActionable(t *testing.T) {
	node := taptest.TLS(t)
	plain := taptest.Endpoint(t)
	good := node.TLS()
	with := func(edit func(*broker.TLS)) broker.TLS {
		t := good
		edit(&t)
		return t
	}
	cases := []struct {
		name    string
		url     string
		tls     broker.TLS
		resolve bool // the error comes before any connection
		want    []string
	}{
		{"unknown CA: the system's", node.URL("guest:guest"), with(func(t *broker.TLS) { t.CACert = "" }), false,
			[]string{"not signed by a CA in the system's trusted CAs", `issued by "CN=shoveltap test CA"`, "--ca-cert FILE", "--insecure-tls"}},
		{"unknown CA: another", node.URL("guest:guest"), with(func(t *broker.TLS) { t.CACert = node.File("other-ca.pem") }), false,
			[]string{"not signed by a CA in the CA file " + node.File("other-ca.pem"), "--ca-cert"}},
		{"wrong host name", "amqps://guest:guest@127.0.0.2:5697/", good, false,
			[]string{`not for "127.0.0.2"`, "localhost, 127.0.0.1", "--url"}},
		{"expired client certificate", node.URL("guest:guest"), with(func(t *broker.TLS) {
			t.Cert, t.CertKey = node.File("expired-client.pem"), node.File("expired-client.key")
		}), true, []string{"client certificate", "expired on 2020-02-01", "renew"}},
		{"key of another certificate", node.URL("guest:guest"), with(func(t *broker.TLS) { t.CertKey = node.File("other.key") }), true,
			[]string{node.File("other.key"), "is not the private key of the certificate", "--cert-key"}},
		{"certificate without its key", node.URL("guest:guest"), with(func(t *broker.TLS) { t.CertKey = "" }), true,
			[]string{"has no private key", "--cert-key"}},
		{"CA file that is no certificate", node.URL("guest:guest"), with(func(t *broker.TLS) { t.CACert = node.File("other.key") }), true,
			[]string{"holds no PEM certificate", "--ca-cert"}},
		{"no client certificate", node.URL("guest:guest"), with(func(t *broker.TLS) { t.Cert, t.CertKey = "", "" }), false,
			[]string{"wants a client certificate", "--cert FILE", "--cert-key FILE"}},
		{"amqps:// to a plain port", "amqps://guest:guest@" + plain.Address() + "/", good, false,
			[]string{"does not answer TLS", "plain AMQP port", "amqp://", "5671"}},
		{"amqp:// to a TLS port", "amqp://guest:guest@localhost:5697/", good, false,
			[]string{"speaks TLS", "amqps://"}},
		{"x509 over plain AMQP", "amqp://ops@localhost:5697/", good, true,
			[]string{"x509 login", "needs TLS", "amqps://"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep, err := broker.ResolveEndpointWith(c.url, node.API(), broker.Access{TLS: c.tls}, func(string) string { return "" })
			var got string
			switch {
			case c.resolve && err == nil:
				t.Fatal("resolved; want an error before connecting")
			case c.resolve:
				got = err.Error()
			case err != nil:
				t.Fatal(err)
			default:
				got = openErr(t, ep, "amq.topic", tap.Source{Exchange: "amq.topic", Key: "#"})
			}
			wantAll(t, got, c.want...)
		})
	}
}

// The management API's TLS errors are explained as AMQP's are.
func TestTLSErrorsOfTheManagementAPI(t *testing.T) {
	node := taptest.TLS(t)
	for _, c := range []struct {
		name, api string
		tls       broker.TLS
		want      []string
	}{
		{"unknown CA", node.API(), broker.TLS{CACert: node.File("other-ca.pem")}, []string{"not signed by a CA", "--ca-cert"}},
		{"http:// to the HTTPS port", strings.Replace(node.API(), "https://", "http://", 1), node.TLS(), []string{"speaks TLS", "https://", "--api"}},
		{"https:// to a plain port", "https://" + strings.TrimPrefix(taptest.Endpoint(t).API, "http://"), node.TLS(), []string{"answers plain HTTP", "http://", "--api"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep := node.Guest(t)
			ep.API, ep.TLS = c.api, c.tls
			a, err := broker.NewAdmin(ep)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Preflight(context.Background())
			if err == nil {
				t.Fatal("the API answered")
			}
			wantAll(t, err.Error(), c.want...)
		})
	}
}

// A broker whose own certificate has expired. RabbitMQ serves one
// certificate per node, so this one is a bare TLS listener with the
// expired certificate: the client's check is the same.
func TestExpiredBrokerCertificate(t *testing.T) {
	node := taptest.TLS(t)
	cert, err := tls.LoadX509KeyPair(node.File("expired-server.pem"), node.File("expired-server.key"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	ep, err := broker.ResolveEndpointWith("amqps://guest:guest@localhost:"+strconv.Itoa(port)+"/", node.API(), broker.Access{TLS: node.TLS()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, err = broker.Dial(context.Background(), ep, "expired")
	if err == nil {
		t.Fatal("connected")
	}
	wantAll(t, err.Error(), "the broker's certificate has expired", "2020-01-01 to 2020-02-01", "renew")
}

// A broker that does not offer x509 login (SASL EXTERNAL) says how to
// turn it on. The plain test broker offers it on no connection: it has no
// rabbitmq_auth_mechanism_ssl, and the mechanism needs TLS anyway.
func TestExternalNotOffered(t *testing.T) {
	ep := taptest.Endpoint(t)
	node := taptest.TLS(t)
	ep.X509, ep.TLS, ep.Password = true, node.TLS(), ""
	_, err := broker.Dial(context.Background(), ep, "shoveltap test")
	if err == nil {
		t.Fatal("connected by x509 over plain AMQP")
	}
	wantAll(t, err.Error(), "does not offer x509 login (SASL EXTERNAL)", "rabbitmq-plugins enable rabbitmq_auth_mechanism_ssl", "auth_mechanisms", "SHOVELTAP_PASSWORD")
}

// tapBrokerOverTLS is the TLS node as an amqps:// --tap-url broker whose
// shovel, running inside the tapped broker (the same node), uses sh.
func tapBrokerOverTLS(t *testing.T, node taptest.TLSNode, sh broker.ShovelTLS) *broker.Endpoint {
	t.Helper()
	tl := node.TLS()
	tl.Flags = "tap-"
	ep, err := broker.ResolveTapEndpointWith(node.URL("guest:guest"), node.API(), broker.Access{TLS: tl}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sh.Flags = "tap-shovel-"
	ep.ShovelTLS = sh
	return &ep
}

// A shovel to an amqps:// --tap-url runs inside the tapped broker, so its
// TLS files are paths on that broker's host. With a client certificate it
// logs in by x509: its definition, which the vhost's policymakers can
// read, holds the paths and no password.
func TestShovelToATapBrokerOverTLS(t *testing.T) {
	node := taptest.TLS(t)
	node.AddX509User(t)
	prod := node.Guest(t)
	x := taptest.Exchange(t, prod, "topic")

	t.Run("x509, verified", func(t *testing.T) {
		var warnings []string
		tapEP := tapBrokerOverTLS(t, node, broker.ShovelTLS{CACert: node.File("ca.pem"), Cert: node.File("client.pem"), CertKey: node.File("client.key")})
		s := openTLSTap(t, node, tap.Config{Endpoint: prod, TapEndpoint: tapEP, Sources: []tap.Source{{Exchange: x, Key: "#"}},
			Warn: func(w string) { warnings = append(warnings, w) }})
		if len(warnings) > 0 {
			t.Errorf("warned: %v", warnings)
		}
		p, err := taptest.Admin(t, prod).GetRuntimeParameter("shovel", "/", s.Names().Shovel(0))
		if err != nil {
			t.Fatal(err)
		}
		dest := p.Value.(map[string]any)["dest-uri"].(string)
		t.Logf("GET /api/parameters/shovel shows dest-uri %s", dest)
		for _, want := range []string{"amqps://localhost:5697/", "verify=verify_peer", "cacertfile=" + node.File("ca.pem"), "certfile=" + node.File("client.pem"), "keyfile=" + node.File("client.key"), "auth_mechanism=external", "server_name_indication=localhost"} {
			if !strings.Contains(dest, want) {
				t.Errorf("dest-uri lacks %q", want)
			}
		}
		if strings.Contains(dest, "guest") {
			t.Errorf("dest-uri holds the tap broker's credentials: %s", dest)
		}
		if got := publishAndCollect(t, prod, s, x, "over TLS"); got[0] != "over TLS" {
			t.Errorf("tapped %v", got)
		}
	})
	t.Run("a CA that did not sign the tap broker's certificate", func(t *testing.T) {
		tapEP := tapBrokerOverTLS(t, node, broker.ShovelTLS{CACert: node.File("other-ca.pem"), Cert: node.File("client.pem"), CertKey: node.File("client.key")})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := tap.Open(ctx, tap.Config{Endpoint: prod, TapEndpoint: tapEP, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-tls-badca", StartTimeout: 5 * time.Second})
		if err == nil {
			_ = s.Close(context.Background())
			t.Fatal("the shovel started with a CA that did not sign the broker's certificate")
		}
		t.Log(err)
		wantAll(t, err.Error(), "shovel", "TLS alert", "--tap-shovel-ca-cert")
		taptest.WaitClean(t, prod, "shoveltap-it-tls-badca", 10*time.Second)
	})
	t.Run("no CA on the broker's host", func(t *testing.T) {
		tapEP := tapBrokerOverTLS(t, node, broker.ShovelTLS{})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := tap.Open(ctx, tap.Config{Endpoint: prod, TapEndpoint: tapEP, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-tls-noca"})
		if err == nil {
			_ = s.Close(context.Background())
			t.Fatal("opened")
		}
		wantAll(t, err.Error(), "--tap-shovel-ca-cert PATH", "broker's host", "--insecure-tls")
		taptest.WaitClean(t, prod, "shoveltap-it-tls-noca", 5*time.Second)
	})
}

// A --tap-url shovel that logs in with a password stores it in its
// definition: Open says so before the tap starts.
func TestTapURLPasswordInTheShovelIsWarnedAbout(t *testing.T) {
	prod := taptest.Endpoint(t)
	other := taptest.BareEndpoint(t)
	x := taptest.Exchange(t, prod, "topic")
	var warnings []string
	s, err := tap.Open(context.Background(), tap.Config{Endpoint: prod, TapEndpoint: &other, Sources: []tap.Source{{Exchange: x, Key: "#"}}, Host: "it-tapurl-pw",
		Warn: func(w string) { warnings = append(warnings, w) }})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = s.Close(context.Background())
		taptest.WaitClean(t, prod, s.Names().Base, 5*time.Second)
	}()
	got := strings.Join(warnings, "\n")
	wantAll(t, got, "holds user \"guest\"'s password", "GET /api/parameters/shovel", "--tap-shovel-cert")
	if strings.Contains(got, other.Password+"@") {
		t.Errorf("the warning shows the password: %s", got)
	}
}
