package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
)

// Admin talks to the RabbitMQ management API for one Endpoint.
type Admin struct {
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
	// A routing load has up to seven requests in flight (RoutingTopology):
	// keep their connections, and their TLS sessions, for the next one.
	base.MaxIdleConnsPerHost = 8
	transport, err := newFailoverTransport(base, ep.APIs())
	if err != nil {
		return nil, err
	}
	if _, err := rabbithole.NewTLSClient(ep.API, ep.User, ep.Password, transport); err != nil {
		return nil, fmt.Errorf("management API address %q: %w", ep.API, err)
	}
	return &Admin{ep: ep, transport: transport, base: base}, nil
}

// requestTimeout bounds every management API request, so that a hung API
// never hangs shoveltap even when the caller's context has no deadline.
const requestTimeout = 10 * time.Second

// client is a rabbit-hole client for calls made under ctx. rabbit-hole v2
// takes no context, so each call gets a client whose transport sends the
// request with ctx: the caller's deadline and cancel end the request.
// Clients share one transport, and so its connections.
func (a *Admin) client(ctx context.Context) *rabbithole.Client {
	// NewAdmin has checked the address, the only thing that can fail.
	rh, _ := rabbithole.NewTLSClient(a.ep.API, a.ep.User, a.ep.Password, contextTransport{ctx: ctx, next: a.transport})
	rh.SetTimeout(requestTimeout)
	return rh
}

// contextTransport sends every request with its context.
type contextTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t contextTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(t.ctx))
}

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
func (a *Admin) Preflight(ctx context.Context) (BrokerInfo, error) {
	who, err := a.client(ctx).Whoami()
	if err != nil {
		return BrokerInfo{}, a.Explain(ctx, "checking the user", err)
	}
	ov, err := a.client(ctx).Overview()
	if err != nil {
		return BrokerInfo{}, a.Explain(ctx, "reading the broker overview", err)
	}
	return BrokerInfo{Version: ov.RabbitMQVersion, User: who.Name, Tags: []string(who.Tags)}, nil
}

// ExchangeType returns the type of an exchange, or a clear error when it
// does not exist.
func (a *Admin) ExchangeType(ctx context.Context, vhost, name string) (string, error) {
	x, err := a.client(ctx).GetExchange(vhost, name)
	if err != nil {
		if IsNotFound(err) {
			return "", fmt.Errorf("exchange %q does not exist in vhost %q: check the name (rabbitmqctl list_exchanges -p %s)", name, vhost, vhost)
		}
		return "", a.Explain(ctx, fmt.Sprintf("looking up exchange %q", name), err)
	}
	return x.Type, nil
}

// QueueBindings lists a queue's bindings, or says clearly that the queue
// does not exist.
func (a *Admin) QueueBindings(ctx context.Context, vhost, queue string) ([]QueueBinding, error) {
	if _, err := a.Queue(ctx, vhost, queue); err != nil {
		if IsNotFound(err) {
			return nil, fmt.Errorf("queue %q does not exist in vhost %q: check the name (rabbitmqctl list_queues -p %s)", queue, vhost, vhost)
		}
		return nil, a.Explain(ctx, fmt.Sprintf("looking up queue %q", queue), err)
	}
	bs, err := a.client(ctx).ListQueueBindings(vhost, queue)
	if err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of queue %q", queue), err)
	}
	out := make([]QueueBinding, 0, len(bs))
	for _, b := range bs {
		out = append(out, QueueBinding{Exchange: b.Source, Key: b.RoutingKey, Args: b.Arguments})
	}
	return out, nil
}

// BoundKeys lists the distinct routing keys bound to an exchange now.
func (a *Admin) BoundKeys(ctx context.Context, vhost, exchange string) ([]string, error) {
	bs, err := a.client(ctx).ListExchangeBindingsWithSource(vhost, exchange)
	if err != nil {
		return nil, a.Explain(ctx, fmt.Sprintf("listing the bindings of exchange %q", exchange), err)
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
func (a *Admin) DeclareShovel(ctx context.Context, vhost, name string, def map[string]any) error {
	_, err := a.client(ctx).PutRuntimeParameter("shovel", vhost, name, def)
	if err != nil {
		var er rabbithole.ErrorResponse
		if errors.As(err, &er) && strings.Contains(er.Reason, "component shovel not found") {
			return fmt.Errorf("creating shovel %q: the shovel plugin is not enabled on the broker; run rabbitmq-plugins enable rabbitmq_shovel rabbitmq_shovel_management, or run shoveltap with --no-shovel", name)
		}
		return a.explainNeed(ctx, fmt.Sprintf("creating shovel %q", name), need{tag: "policymaker"}, err)
	}
	return nil
}

// DeleteShovel removes a shovel definition; a missing one is not an error.
func (a *Admin) DeleteShovel(ctx context.Context, vhost, name string) error {
	if _, err := a.client(ctx).DeleteShovel(vhost, name); err != nil {
		return a.explainNeed(ctx, fmt.Sprintf("deleting shovel %q", name), need{tag: "policymaker"}, err)
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
		return nil, a.explainNeed(ctx, "reading shovel status", need{tag: "monitoring"}, err)
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
func (a *Admin) QueueCounters(ctx context.Context, vhost, name string) (c QueueCounters, ok bool, err error) {
	q, err := a.Queue(ctx, vhost, name)
	if err != nil {
		if IsNotFound(err) {
			return QueueCounters{}, false, nil
		}
		return QueueCounters{}, false, a.Explain(ctx, fmt.Sprintf("reading queue %q", name), err)
	}
	return QueueCounters{
		Messages: int64(q.Messages), Published: q.MessageStats.Publish, Acked: q.MessageStats.Ack,
		Ready: int64(q.MessagesReady), ReadyBytes: q.MessageBytesReady,
	}, true, nil
}

// Explain turns a management API failure into an actionable error.
func (a *Admin) Explain(ctx context.Context, doing string, err error) error {
	if tlsErr, ok := explainTLS(a.ep.TLS, doing, strings.Join(a.ep.APIs(), ", "), true, err); ok {
		return tlsErr
	}
	if r := a.refused(ctx, doing, need{}, err); r != nil {
		return r
	}
	if IsNotFound(err) && !a.canUseVhost(ctx) {
		// RabbitMQ 4.3 answers 404, not 401, to a user with no
		// permissions on the vhost. To anyone but an administrator a
		// vhost that does not exist looks the same.
		r := a.ep.Refused(&Refusal{Doing: doing, Broker: a.ep.Address(), User: a.ep.User, Vhost: a.ep.Vhost, Perm: "access"})
		return fmt.Errorf("%w (or vhost %q does not exist)", r, a.ep.Vhost)
	}
	var er rabbithole.ErrorResponse
	switch {
	case errors.As(err, &er):
		return fmt.Errorf("%s: the management API answered %d: %s", doing, er.StatusCode, strings.TrimSpace(er.Reason))
	case IsUnreachable(err):
		return &UnreachableAPI{Doing: doing, APIs: strings.Join(a.ep.APIs(), ", "), Derived: a.ep.APIDerived, Err: err}
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// DeleteQueue removes a queue; a missing one is not an error.
func (a *Admin) DeleteQueue(ctx context.Context, vhost, name string) error {
	if _, err := a.client(ctx).DeleteQueue(vhost, name); err != nil && !IsNotFound(err) {
		return a.explainNeed(ctx, fmt.Sprintf("deleting queue %q", name), need{perm: "configure", kind: "queue", name: name}, err)
	}
	return nil
}

// DeleteExchange removes an exchange; a missing one is not an error.
func (a *Admin) DeleteExchange(ctx context.Context, vhost, name string) error {
	if _, err := a.client(ctx).DeleteExchange(vhost, name); err != nil && !IsNotFound(err) {
		return a.explainNeed(ctx, fmt.Sprintf("deleting exchange %q", name), need{perm: "configure", kind: "exchange", name: name}, err)
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

func IsNotFound(err error) bool {
	var er rabbithole.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}

// QueueBinding is one binding of a production queue.
type QueueBinding struct {
	Exchange string
	Key      string
	Args     map[string]any
}

// QueueNamesWithPrefix lists the names of a vhost's queues that start with
// prefix, filtered by the
// broker so a vhost with thousands of queues costs one small answer.
func (a *Admin) QueueNamesWithPrefix(ctx context.Context, vhost, prefix string) ([]string, error) {
	var names []string
	for page := 1; ; page++ {
		params := url.Values{
			"page":      {fmt.Sprint(page)},
			"page_size": {"500"},
			"name":      {"^" + regexp.QuoteMeta(prefix)},
			"use_regex": {"true"},
			"columns":   {"name"},
		}
		res, err := a.client(ctx).PagedListQueuesWithParametersIn(vhost, params)
		if err != nil {
			return nil, a.Explain(ctx, "listing queues", err)
		}
		for _, q := range res.Items {
			if strings.HasPrefix(q.Name, prefix) {
				names = append(names, q.Name)
			}
		}
		if page >= res.PageCount {
			return names, nil
		}
	}
}

// Endpoint is the broker this client talks to.
func (a *Admin) Endpoint() Endpoint { return a.ep }

// UnreachableAPI is a management API that did not answer. IsUnreachable
// sees through it, so that a caller making many calls can tell "the
// broker is down" from a refusal and say it once.
type UnreachableAPI struct {
	Doing   string
	APIs    string // the addresses tried
	Derived bool   // the address was derived from --url, not given with --api
	Err     error
}

func (e *UnreachableAPI) Error() string {
	if e.Derived {
		return fmt.Sprintf("%s: cannot reach the management API at %s, the address derived from --url (%v): if the management plugin listens elsewhere, give its address with --api http(s)://HOST:PORT; if it is not enabled, run rabbitmq-plugins enable rabbitmq_management", e.Doing, e.APIs, RootCause(e.Err))
	}
	return fmt.Sprintf("%s: cannot reach the management API at %s (%v): check --api, or enable it with rabbitmq-plugins enable rabbitmq_management", e.Doing, e.APIs, RootCause(e.Err))
}

func (e *UnreachableAPI) Unwrap() error { return e.Err }
