package tap

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
