package tap

import "github.com/shoveltap/shoveltap/tap/broker"

// needsOf is what this tap needs of its user on the broker the refusal
// came from (the --tap-url broker, or the tapped one), and another way out
// where one needs less.
func (c Config) needsOf(r *broker.Refusal) (broker.Needs, string) {
	if t := c.TapEndpoint; t != nil && r.Broker == t.Address() && r.Broker != c.Endpoint.Address() {
		n := broker.TapNeeds(false)
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
		n := broker.TapNeeds(false, traceExchange)
		n.Tags = []string{"management"}
		return n, ""
	case c.NoShovel:
		return broker.TapNeeds(false, exchanges...), ""
	}
	alt := ""
	if r.Tag == "management" || r.Tag == "policymaker" {
		alt = "or tap with --no-shovel, which needs no tag"
	}
	return broker.TapNeeds(true, exchanges...), alt
}
