package broker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
)

// getJSON reads one management API resource into v. It exists for the few
// answers rabbit-hole cannot decode or does not expose: shovel status with
// its reason, and queue statistics, which the API sends as [] when a queue
// has none of the asked-for counters yet. Errors look like rabbit-hole's, so
// explain and IsNotFound treat them alike.
func (a *Admin) getJSON(ctx context.Context, path string, query url.Values, v any) error {
	return a.getJSONAs(ctx, path, query, v, false)
}

// getJSONAs is getJSON; with numbers, a number in a map[string]any or
// []any of v arrives as a json.Number, so that 5 and 5.0 stay apart (see
// typeNumbers).
func (a *Admin) getJSONAs(ctx context.Context, path string, query url.Values, v any, numbers bool) error {
	u := strings.TrimRight(a.ep.API, "/") + "/api/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(a.ep.User, a.ep.Password)
	client := &http.Client{Timeout: requestTimeout, Transport: a.transport}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		// A refusal keeps the API's reason ("Not monitor user"), which
		// names the missing tag; rabbit-hole drops it.
		er := rabbithole.ErrorResponse{StatusCode: res.StatusCode}
		_ = json.Unmarshal(body, &er)
		return er
	}
	if numbers {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		return dec.Decode(v)
	}
	return json.Unmarshal(body, v)
}

// typeNumbers turns the json.Numbers of a decoded value into int64 for
// integers and float64 for the rest: the management API writes an AMQP
// float as 5.0 and an integer as 5, and a RabbitMQ 4 headers exchange
// tells them apart.
func typeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(string(x), ".eE") {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = typeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = typeNumbers(e)
		}
	}
	return v
}

// QueueStats is what shoveltap reads about a queue.
type QueueStats struct {
	Name                   string         `json:"name"`
	Type                   string         `json:"type"`
	Durable                bool           `json:"durable"`
	Arguments              map[string]any `json:"arguments"`
	Messages               int            `json:"messages"`
	MessagesReady          int            `json:"messages_ready"`
	MessagesUnacknowledged int            `json:"messages_unacknowledged"`
	MessageBytesReady      int64          `json:"message_bytes_ready"`
	Consumers              int            `json:"consumers"`
	MessageStats           MessageStats   `json:"message_stats"`
	// Members are the nodes holding a replicated (quorum or stream)
	// queue, where the API lists them.
	Members []string `json:"members"`
}

// MessageStats are a queue's counters and rates; zero when absent.
type MessageStats struct {
	Publish           int64 `json:"publish"`
	Ack               int64 `json:"ack"`
	DeliverGet        int64 `json:"deliver_get"`
	PublishDetails    Rate  `json:"publish_details"`
	DeliverGetDetails Rate  `json:"deliver_get_details"`
}

// Rate is a per-second rate as the management API reports it.
type Rate struct {
	Rate float64 `json:"rate"`
}

// UnmarshalJSON accepts the empty list the API sends for "no counters".
func (m *MessageStats) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("[]")) {
		*m = MessageStats{}
		return nil
	}
	type plain MessageStats
	return json.Unmarshal(b, (*plain)(m))
}

const queueStatsColumns = "name,type,durable,arguments,messages,messages_ready,messages_unacknowledged,message_bytes_ready,consumers," +
	"message_stats.publish,message_stats.ack,message_stats.deliver_get,message_stats.publish_details.rate,message_stats.deliver_get_details.rate,members"

// Queue reads a queue's statistics. Only named columns are asked for: the
// full answer describes consumers, and on 3.10 a shovel's direct connection
// reports a peer port that rabbit-hole cannot parse.
func (a *Admin) Queue(ctx context.Context, vhost, name string) (*QueueStats, error) {
	var q QueueStats
	err := a.getJSON(ctx, "queues/"+url.PathEscape(vhost)+"/"+url.PathEscape(name), url.Values{"columns": {queueStatsColumns}}, &q)
	if err != nil {
		return nil, err
	}
	return &q, nil
}

// Queues lists the statistics of every queue of a vhost.
func (a *Admin) Queues(ctx context.Context, vhost string) ([]QueueStats, error) {
	var qs []QueueStats
	if err := a.getJSON(ctx, "queues/"+url.PathEscape(vhost), url.Values{"columns": {queueStatsColumns}}, &qs); err != nil {
		return nil, err
	}
	return qs, nil
}
