package main

import (
	"flag"
	"os"

	"github.com/shoveltap/shoveltap/tap"
)

// connFlags are the flags of every command that talks to a broker.
type connFlags struct {
	urls, apis  listFlag
	insecureTLS bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.urls, "url", "AMQP `URL` of the broker, amqp[s]://USER@HOST:PORT/VHOST (env "+tap.EnvURL+"; default "+tap.DefaultURL+"); repeat it with the other nodes of a cluster, tried in turn when a node is down")
	fs.Var(&c.apis, "api", "management API `address` (env "+tap.EnvAPI+"; default: the URL's host on port 15672, or https on 15671 for amqps); one for all --url values, or one per --url in order")
	fs.BoolVar(&c.insecureTLS, "insecure-tls", false, "do not verify the broker's TLS certificate")
}

// endpoint is the broker the flags name, with the environment filling in
// what they leave out (URL, user, password, API).
func (c *connFlags) endpoint() (tap.Endpoint, error) {
	return tap.ResolveCluster(c.urls, c.apis, os.Getenv)
}
