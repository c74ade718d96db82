package main

import (
	"flag"
	"os"

	"github.com/shoveltap/shoveltap/tap"
)

// connFlags are the flags of every command that talks to a broker.
type connFlags struct {
	url, api    string
	insecureTLS bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", "", "AMQP URL of the broker, amqp[s]://USER@HOST:PORT/VHOST (env "+tap.EnvURL+"; default "+tap.DefaultURL+")")
	fs.StringVar(&c.api, "api", "", "management API address (env "+tap.EnvAPI+"; default: the URL's host on port 15672, https for amqps)")
	fs.BoolVar(&c.insecureTLS, "insecure-tls", false, "do not verify the broker's TLS certificate")
}

// endpoint is the broker the flags name, with the environment filling in
// what they leave out (URL, user, password, API).
func (c *connFlags) endpoint() (tap.Endpoint, error) {
	return tap.ResolveEndpoint(c.url, c.api, os.Getenv)
}
