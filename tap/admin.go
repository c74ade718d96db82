package tap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
)

// Admin talks to the RabbitMQ management API for one Endpoint.
type Admin struct {
	rh        *rabbithole.Client
	ep        Endpoint
	transport http.RoundTripper
	base      http.RoundTripper // without failover, for per-node clients
}

// NewAdmin returns a management API client with a request timeout, so a
// hung API never hangs shoveltap. Its HTTPS uses ep.TLS, as AMQP does.
func NewAdmin(ep Endpoint) (*Admin, error) {
	if ep.X509 {
		return nil, errAPINeedsPassword(ep)
	}
	tc, err := ep.TLS.Config()
	if err != nil {
		return nil, err
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = tc
	transport, err := newFailoverTransport(base, ep.APIs())
	if err != nil {
		return nil, err
	}
	rh, err := rabbithole.NewTLSClient(ep.API, ep.User, ep.Password, transport)
	if err != nil {
		return nil, fmt.Errorf("management API address %q: %w", ep.API, err)
	}
	rh.SetTimeout(10 * time.Second)
	return &Admin{rh: rh, ep: ep, transport: transport, base: base}, nil
}

// Client exposes the underlying rabbit-hole client for the setup package and
// tests.
func (a *Admin) Client() *rabbithole.Client { return a.rh }

// BrokerInfo is what the preflight learns about the broker and the user.
type BrokerInfo struct {
	Version string
	User    string
	Tags    []string
}

// CanShovel reports whether the user may declare dynamic shovels.
func (b BrokerInfo) CanShovel() bool {
	return slices.Contains(b.Tags, "administrator") || slices.Contains(b.Tags, "policymaker")
}

// Preflight checks that the management API answers for this user and returns
// the broker version and the user's tags. The AMQP login has already been
// checked, so a 401 here means the user lacks the management tag.
func (a *Admin) Preflight() (BrokerInfo, error) {
	who, err := a.rh.Whoami()
	if err != nil {
		return BrokerInfo{}, a.explain("checking the user", err)
	}
	ov, err := a.rh.Overview()
	if err != nil {
		return BrokerInfo{}, a.explain("reading the broker overview", err)
	}
	return BrokerInfo{Version: ov.RabbitMQVersion, User: who.Name, Tags: []string(who.Tags)}, nil
}

// ExchangeType returns the type of an exchange, or a clear error when it
// does not exist.
func (a *Admin) ExchangeType(vhost, name string) (string, error) {
	x, err := a.rh.GetExchange(vhost, name)
	if err != nil {
		if isNotFound(err) {
			return "", fmt.Errorf("exchange %q does not exist in vhost %q: check the name (rabbitmqctl list_exchanges -p %s)", name, vhost, vhost)
		}
		return "", a.explain(fmt.Sprintf("looking up exchange %q", name), err)
	}
	return x.Type, nil
}

// queueBindings lists a queue's bindings, or says clearly that the queue
// does not exist.
func (a *Admin) queueBindings(vhost, queue string) ([]queueBinding, error) {
	if _, err := a.Queue(vhost, queue); err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("queue %q does not exist in vhost %q: check the name (rabbitmqctl list_queues -p %s)", queue, vhost, vhost)
		}
		return nil, a.explain(fmt.Sprintf("looking up queue %q", queue), err)
	}
	bs, err := a.rh.ListQueueBindings(vhost, queue)
	if err != nil {
		return nil, a.explain(fmt.Sprintf("listing the bindings of queue %q", queue), err)
	}
	out := make([]queueBinding, 0, len(bs))
	for _, b := range bs {
		out = append(out, queueBinding{Exchange: b.Source, Key: b.RoutingKey, Args: b.Arguments})
	}
	return out, nil
}

// boundKeys lists the distinct routing keys bound to an exchange now.
func (a *Admin) boundKeys(vhost, exchange string) ([]string, error) {
	bs, err := a.rh.ListExchangeBindingsWithSource(vhost, exchange)
	if err != nil {
		return nil, a.explain(fmt.Sprintf("listing the bindings of exchange %q", exchange), err)
	}
	var keys []string
	for _, b := range bs {
		if !slices.Contains(keys, b.RoutingKey) {
			keys = append(keys, b.RoutingKey)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("direct exchange %q has no bindings, so no key to tap; give one with --key", exchange)
	}
	return keys, nil
}

// DeclareShovel creates or replaces a dynamic shovel. rabbit-hole's
// ShovelDefinition drops empty strings and false booleans (omitempty), so the
// definition goes through the generic runtime-parameter call.
func (a *Admin) DeclareShovel(vhost, name string, def map[string]any) error {
	_, err := a.rh.PutRuntimeParameter("shovel", vhost, name, def)
	if err != nil {
		var er rabbithole.ErrorResponse
		if errors.As(err, &er) && strings.Contains(er.Reason, "component shovel not found") {
			return fmt.Errorf("creating shovel %q: the shovel plugin is not enabled on the broker; run rabbitmq-plugins enable rabbitmq_shovel rabbitmq_shovel_management, or run shoveltap with --no-shovel", name)
		}
		return a.explainNeed(fmt.Sprintf("creating shovel %q", name), need{tag: "policymaker"}, err)
	}
	return nil
}

// DeleteShovel removes a shovel definition; a missing one is not an error.
func (a *Admin) DeleteShovel(vhost, name string) error {
	if _, err := a.rh.DeleteShovel(vhost, name); err != nil {
		return a.explainNeed(fmt.Sprintf("deleting shovel %q", name), need{tag: "policymaker"}, err)
	}
	return nil
}

// ShovelState is one shovel's status as the shovel-management plugin reports
// it. rabbit-hole's ShovelStatus has no Reason, which is what a user needs
// when a shovel does not start, hence this type and ShovelStates.
type ShovelState struct {
	Name   string `json:"name"`
	Vhost  string `json:"vhost"`
	State  string `json:"state"`
	Reason string `json:"reason"`
}

// ShovelStates lists the status of every shovel in a vhost.
func (a *Admin) ShovelStates(ctx context.Context, vhost string) ([]ShovelState, error) {
	var states []ShovelState
	err := a.getJSON(ctx, "shovels/"+url.PathEscape(vhost), nil, &states)
	var er rabbithole.ErrorResponse
	switch {
	case errors.As(err, &er) && (er.StatusCode == http.StatusBadRequest || er.StatusCode == http.StatusNotFound):
		return nil, errors.New("reading shovel status: the shovel management plugin is not enabled; run: rabbitmq-plugins enable rabbitmq_shovel_management")
	case err != nil:
		return nil, a.explainNeed("reading shovel status", need{tag: "monitoring"}, err)
	}
	return states, nil
}

// QueueCounters are the counts needed to work out what a bounded queue
// dropped: everything published into it was either acknowledged, is still
// in it, or was dropped from its head.
type QueueCounters struct {
	Published, Acked, Messages int64
	Ready, ReadyBytes          int64
}

// Dropped is published − acknowledged − still queued, never negative (the
// three numbers are sampled at slightly different times).
func (q QueueCounters) Dropped() int64 {
	return max(0, q.Published-q.Acked-q.Messages)
}

// QueueCounters reads a queue's counters; ok is false when it does not exist.
func (a *Admin) QueueCounters(vhost, name string) (c QueueCounters, ok bool, err error) {
	q, err := a.Queue(vhost, name)
	if err != nil {
		if isNotFound(err) {
			return QueueCounters{}, false, nil
		}
		return QueueCounters{}, false, a.explain(fmt.Sprintf("reading queue %q", name), err)
	}
	return QueueCounters{
		Messages: int64(q.Messages), Published: q.MessageStats.Publish, Acked: q.MessageStats.Ack,
		Ready: int64(q.MessagesReady), ReadyBytes: q.MessageBytesReady,
	}, true, nil
}

// explain turns a management API failure into an actionable error.
func (a *Admin) explain(doing string, err error) error {
	if tlsErr, ok := explainTLS(a.ep.TLS, doing, strings.Join(a.ep.APIs(), ", "), true, err); ok {
		return tlsErr
	}
	if r := a.refused(doing, need{}, err); r != nil {
		return r
	}
	var er rabbithole.ErrorResponse
	switch {
	case errors.As(err, &er):
		return fmt.Errorf("%s: the management API answered %d: %s", doing, er.StatusCode, strings.TrimSpace(er.Reason))
	case isUnreachable(err) && a.ep.APIDerived:
		return fmt.Errorf("%s: cannot reach the management API at %s, the address derived from --url (%v): if the management plugin listens elsewhere, give its address with --api http(s)://HOST:PORT; if it is not enabled, run rabbitmq-plugins enable rabbitmq_management", doing, strings.Join(a.ep.APIs(), ", "), rootCause(err))
	case isUnreachable(err):
		return fmt.Errorf("%s: cannot reach the management API at %s (%v): check --api, or enable it with rabbitmq-plugins enable rabbitmq_management", doing, strings.Join(a.ep.APIs(), ", "), rootCause(err))
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// deleteQueue removes a queue; a missing one is not an error.
func (a *Admin) deleteQueue(vhost, name string) error {
	if _, err := a.rh.DeleteQueue(vhost, name); err != nil && !isNotFound(err) {
		return a.explainNeed(fmt.Sprintf("deleting queue %q", name), need{perm: "configure", kind: "queue", name: name}, err)
	}
	return nil
}

// deleteExchange removes an exchange; a missing one is not an error.
func (a *Admin) deleteExchange(vhost, name string) error {
	if _, err := a.rh.DeleteExchange(vhost, name); err != nil && !isNotFound(err) {
		return a.explainNeed(fmt.Sprintf("deleting exchange %q", name), need{perm: "configure", kind: "exchange", name: name}, err)
	}
	return nil
}

// errAPINeedsPassword is the refusal of everything that needs the
// management API when the login is by certificate alone.
func errAPINeedsPassword(ep Endpoint) error {
	return fmt.Errorf("the management API at %s has no x509 login, and user %q logs in with the client certificate alone: give the user's password as well (%s, or --%spassword-file FILE) for what needs the API (a shovel tap, --queue, --firehose, the picker, cleanup, setup); a --no-shovel tap of exchanges works with the certificate alone",
		ep.API, ep.User, passwordEnv(ep.TLS.Flags), ep.TLS.Flags)
}

// passwordEnv is the password variable of the broker whose flags start
// with prefix: SHOVELTAP_PASSWORD, SHOVELTAP_TAP_PASSWORD, …
func passwordEnv(prefix string) string {
	return "SHOVELTAP_" + strings.ToUpper(strings.ReplaceAll(prefix, "-", "_")) + "PASSWORD"
}

func isNotFound(err error) bool {
	var er rabbithole.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}
