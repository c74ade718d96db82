package broker

// What each shoveltap command needs of its user, for the rabbitmqctl
// commands its refusals print (the vocabulary is needs.go's). The tap's
// own needs are here too because `check` lists them beside the others.

// TapNeeds is what a tap needs on the tapped vhost: the shoveltap- names
// for its own objects, read on every exchange it binds to, and the
// policymaker tag for the shovel (no tag for --no-shovel).
func TapNeeds(shovel bool, exchanges ...string) Needs {
	n := OwnNeeds()
	if shovel {
		n.Tags = []string{"policymaker"} // includes management
	}
	for _, x := range exchanges {
		n.Read = append(n.Read, Named(x))
	}
	return n
}

// CleanupNeeds is what `shoveltap cleanup` needs: shovel definitions are
// runtime parameters (policymaker), and deleting queues and exchanges
// takes configure on them. Turning off a firehose left on needs the
// administrator tag on top.
func CleanupNeeds() Needs {
	return Needs{Tags: []string{"policymaker"}, Configure: []Match{Prefixed(Prefix)}}
}

// ReplayNeeds is what `shoveltap replay` needs: write on the exchange it
// publishes to ("" is the default exchange, amq.default), and no tag.
func ReplayNeeds(exchange string) Needs {
	if exchange == "" {
		exchange = "amq.default"
	}
	return Needs{Write: []Match{Named(exchange)}}
}

// PickerNeeds is what the source picker needs: the management tag, to
// list the vhost's exchanges, queues and bindings, and any permissions
// entry on the vhost (even one matching nothing). Tapping what is picked
// then needs what that tap needs.
func PickerNeeds() Needs {
	return Needs{Tags: []string{"management"}}
}

// SetupNeeds is what `shoveltap setup apply` (queue layout) needs of the
// production user: policymaker for the shovel, shoveltap-mirror- names for
// the mirror queue (read too: the shovel consumes it as this user) and
// read on each mirrored exchange. The fanout layout also needs write on
// every production queue bound to those exchanges, which it rebinds.
func SetupNeeds(exchanges ...string) Needs {
	n := Needs{
		Tags:      []string{"policymaker"},
		Configure: []Match{Prefixed(MirrorPrefix)},
		Write:     []Match{Prefixed(MirrorPrefix)},
		Read:      []Match{Prefixed(MirrorPrefix)},
	}
	for _, x := range exchanges {
		n.Read = append(n.Read, Named(x))
	}
	return n
}

// MirrorNeeds is what setup needs of the mirror broker's user: the
// management tag, configure on each mirror exchange (setup declares and
// deletes it) and write on it (the shovel publishes as this user).
func MirrorNeeds(mirrorExchanges ...string) Needs {
	n := Needs{Tags: []string{"management"}}
	for _, x := range mirrorExchanges {
		n.Configure = append(n.Configure, Named(x))
		n.Write = append(n.Write, Named(x))
	}
	return n
}
