package broker

import (
	"strings"
	"testing"
)

func TestShovelURI(t *testing.T) {
	base := func(raw string) Endpoint {
		ep, err := ResolveEndpoint(raw, "", func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}
	cases := []struct {
		name     string
		ep       Endpoint
		sh       ShovelTLS
		insecure bool
		want     string
		err      []string
		password bool
	}{
		{name: "plain", ep: base("amqp://tracer:s3cr%40t@tap.example.com:5672/"), want: "amqp://tracer:s3cr%40t@tap.example.com:5672/%2F", password: true},
		{name: "TLS with a CA on the broker's host", ep: base("amqps://tracer:pw@tap.example.com:5671/v"), sh: ShovelTLS{CACert: "/etc/rabbitmq/ca.pem"},
			want: "amqps://tracer:pw@tap.example.com:5671/v?verify=verify_peer&cacertfile=/etc/rabbitmq/ca.pem&server_name_indication=tap.example.com", password: true},
		{name: "TLS by x509: no password stored", ep: base("amqps://tracer:pw@tap.example.com:5671/v"),
			sh:   ShovelTLS{CACert: "/etc/rabbitmq/ca.pem", Cert: "/etc/rabbitmq/shovel cert.pem", CertKey: "/etc/rabbitmq/shovel&key.pem"},
			want: "amqps://tap.example.com:5671/v?verify=verify_peer&cacertfile=/etc/rabbitmq/ca.pem&server_name_indication=tap.example.com&certfile=/etc/rabbitmq/shovel%20cert.pem&keyfile=/etc/rabbitmq/shovel%26key.pem&auth_mechanism=external"},
		{name: "IP address: no name to check", ep: base("amqps://tracer:pw@10.0.0.7:5671/v"), sh: ShovelTLS{CACert: "/ca.pem"},
			want: "amqps://tracer:pw@10.0.0.7:5671/v?verify=verify_peer&cacertfile=/ca.pem", password: true},
		{name: "insecure says so", ep: base("amqps://tracer:pw@tap.example.com:5671/v"), insecure: true,
			want: "amqps://tracer:pw@tap.example.com:5671/v?verify=verify_none&server_name_indication=tap.example.com", password: true},
		{name: "TLS without a CA", ep: base("amqps://tracer:pw@tap.example.com:5671/v"), err: []string{"--tap-shovel-ca-cert PATH", "broker's host", "--insecure-tls"}},
		{name: "certificate without key", ep: base("amqps://tracer:pw@tap.example.com:5671/v"), sh: ShovelTLS{CACert: "/ca.pem", Cert: "/c.pem"}, err: []string{"--tap-shovel-cert and --tap-shovel-cert-key go together"}},
		{name: "TLS files for a plain URL", ep: base("amqp://tracer:pw@tap.example.com:5672/"), sh: ShovelTLS{CACert: "/ca.pem"}, err: []string{"amqps://"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep := c.ep
			c.sh.Flags = "tap-shovel-"
			ep.ShovelTLS, ep.TLS.Insecure = c.sh, c.insecure
			got, err := ShovelURI(ep)
			if len(c.err) > 0 {
				if err == nil {
					t.Fatalf("URI %q, want an error", got)
				}
				for _, w := range c.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("URI\n got %s\nwant %s", got, c.want)
			}
			if ShovelHoldsPassword(ep) != c.password {
				t.Errorf("ShovelHoldsPassword = %v", !c.password)
			}
		})
	}
}

// How a client certificate and the password sources combine.
func TestResolveLogin(t *testing.T) {
	cert := TLS{Cert: "/nonexistent/c.pem", CertKey: "/nonexistent/c.key"}
	for _, c := range []struct {
		name, url string
		acc       Access
		env       map[string]string
		x509      bool
		user, pw  string
		err       string
	}{
		{name: "password in the URL wins", url: "amqp://ops:u@h/", acc: Access{Password: "f"}, env: map[string]string{EnvPassword: "e"}, user: "ops", pw: "u"},
		{name: "then the file", url: "amqp://ops@h/", acc: Access{Password: "f"}, env: map[string]string{EnvPassword: "e"}, user: "ops", pw: "f"},
		{name: "then the variable", url: "amqp://ops@h/", env: map[string]string{EnvPassword: "e"}, user: "ops", pw: "e"},
		{name: "user from the environment file, then the variable", url: "amqp://h/", acc: Access{User: "envfile"}, env: map[string]string{EnvUser: "var", EnvPassword: "e"}, user: "envfile", pw: "e"},
		{name: "guest's default", url: "amqp://guest@h/", user: "guest", pw: "guest"},
		{name: "guest on plain AMQP ignores an exported certificate", url: "amqp://guest@h/", env: map[string]string{EnvCert: "/c.pem", EnvCertKey: "/c.key"}, user: "guest", pw: "guest"},
		{name: "nothing", url: "amqp://ops@h/", err: `no password for user "ops" at h:5672`},
		{name: "a certificate and a password: PLAIN over mutual TLS", url: "amqp://ops:u@h/", acc: Access{TLS: cert}, user: "ops", pw: "u"},
		{name: "a certificate alone on plain AMQP", url: "amqp://ops@h/", acc: Access{TLS: cert}, err: "needs TLS"},
		{name: "auth_mechanism=external without a certificate", url: "amqps://h/?auth_mechanism=external", err: "no client certificate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep, err := ResolveEndpointWith(c.url, "", c.acc, func(k string) string { return c.env[k] })
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.X509 != c.x509 || ep.User != c.user || ep.Password != c.pw {
				t.Errorf("x509 %v, user %q, password %q", ep.X509, ep.User, ep.Password)
			}
		})
	}
}
