package tap

// What each shoveltap command needs of its user, for the rabbitmqctl
// commands its refusals print. The vocabulary (Needs, Match, Refusal) is
// tap/broker's.

import "github.com/shoveltap/shoveltap/tap/broker"

// TapNeeds is what a tap needs on the tapped vhost: the shoveltap- names
// for its own objects, read on every exchange it binds to, and the
// policymaker tag for the shovel (no tag for --no-shovel).
func TapNeeds(shovel bool, exchanges ...string) broker.Needs {
	n := broker.OwnNeeds()
	if shovel {
		n.Tags = []string{"policymaker"} // includes management
	}
	for _, x := range exchanges {
		n.Read = append(n.Read, broker.Named(x))
	}
	return n
}

// needsOf is what this tap needs of its user on the broker the refusal
// came from (the --tap-url broker, or the tapped one), and another way out
// where one needs less.
func (c Config) needsOf(r *broker.Refusal) (broker.Needs, string) {
	if t := c.TapEndpoint; t != nil && r.Broker == t.Address() && r.Broker != c.Endpoint.Address() {
		n := TapNeeds(false)
		n.Tags = []string{"management"}
		return n, ""
	}
	var exchanges []string
	for _, src := range c.Sources {
		if src.Exchange != "" {
			exchanges = append(exchanges, src.Exchange)
		}
	}
	switch {
	case c.Firehose:
		n := TapNeeds(false, traceExchange)
		n.Tags = []string{"management"}
		return n, ""
	case c.NoShovel:
		return TapNeeds(false, exchanges...), ""
	}
	alt := ""
	if r.Tag == "management" || r.Tag == "policymaker" {
		alt = "or tap with --no-shovel, which needs no tag"
	}
	return TapNeeds(true, exchanges...), alt
}

// CleanupNeeds is what `shoveltap cleanup` needs: shovel definitions are
// runtime parameters (policymaker), and deleting queues and exchanges
// takes configure on them. Turning off a firehose left on needs the
// administrator tag on top.
func CleanupNeeds() broker.Needs {
	return broker.Needs{Tags: []string{"policymaker"}, Configure: []broker.Match{broker.Prefixed(broker.Prefix)}}
}

// ReplayNeeds is what `shoveltap replay` needs: write on the exchange it
// publishes to ("" is the default exchange, amq.default), and no tag.
func ReplayNeeds(exchange string) broker.Needs {
	if exchange == "" {
		exchange = "amq.default"
	}
	return broker.Needs{Write: []broker.Match{broker.Named(exchange)}}
}

// PickerNeeds is what the source picker needs: the management tag, to
// list the vhost's exchanges, queues and bindings, and any permissions
// entry on the vhost (even one matching nothing). Tapping what is picked
// then needs what that tap needs.
func PickerNeeds() broker.Needs {
	return broker.Needs{Tags: []string{"management"}}
}

// SetupNeeds is what `shoveltap setup apply` (queue layout) needs of the
// production user: policymaker for the shovel, shoveltap-mirror- names for
// the mirror queue (read too: the shovel consumes it as this user) and
// read on each mirrored exchange. The fanout layout also needs write on
// every production queue bound to those exchanges, which it rebinds.
func SetupNeeds(exchanges ...string) broker.Needs {
	n := broker.Needs{
		Tags:      []string{"policymaker"},
		Configure: []broker.Match{broker.Prefixed(broker.MirrorPrefix)},
		Write:     []broker.Match{broker.Prefixed(broker.MirrorPrefix)},
		Read:      []broker.Match{broker.Prefixed(broker.MirrorPrefix)},
	}
	for _, x := range exchanges {
		n.Read = append(n.Read, broker.Named(x))
	}
	return n
}

// MirrorNeeds is what setup needs of the mirror broker's user: the
// management tag, configure on each mirror exchange (setup declares and
// deletes it) and write on it (the shovel publishes as this user).
func MirrorNeeds(mirrorExchanges ...string) broker.Needs {
	n := broker.Needs{Tags: []string{"management"}}
	for _, x := range mirrorExchanges {
		n.Configure = append(n.Configure, broker.Named(x))
		n.Write = append(n.Write, broker.Named(x))
	}
	return n
}
