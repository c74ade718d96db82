// Package routingtest is a small routing model for the views' tests: a
// topic exchange "orders" with queues "paid" (order.paid, dead-lettering
// to the fanout exchange "dlx", bound to queue "dead") and "all"
// (order.#.shipped), so that order.paid is routed, order.lost is
// unroutable and an x-consistent-hash exchange "hash" is unknown.
package routingtest

import "github.com/shoveltap/shoveltap/tap/routing"

// Vhost is the model's vhost.
const Vhost = "/"

// Topology builds the model.
func Topology() *routing.Topology {
	return routing.New(Vhost,
		[]routing.Exchange{
			{Name: "orders", Type: routing.Topic},
			{Name: "dlx", Type: routing.Fanout},
			{Name: "hash", Type: "x-consistent-hash"},
		},
		[]routing.Queue{
			{Name: "paid", Type: "classic", DeadLetter: &routing.DeadLetter{Exchange: "dlx", From: "argument"}},
			{Name: "all", Type: "classic"},
			{Name: "dead", Type: "classic"},
		},
		[]routing.Binding{
			{Source: "orders", Destination: "paid", DestinationType: routing.ToQueue, Key: "order.paid"},
			{Source: "orders", Destination: "all", DestinationType: routing.ToQueue, Key: "order.#.shipped"},
			{Source: "dlx", Destination: "dead", DestinationType: routing.ToQueue},
			{Source: "hash", Destination: "all", DestinationType: routing.ToQueue, Key: "1"},
		})
}

// Live is the model as a running tap's routing.
func Live() *routing.Live { return routing.NewLiveWith(Topology()) }
