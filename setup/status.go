package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// StatusRow is one piece of a mirror as it is now on the brokers.
type StatusRow struct {
	Mirror string `json:"mirror"` // the production exchange it belongs to
	Broker string `json:"broker"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
	// Queue figures (mirror queue only).
	Messages    *int     `json:"messages,omitempty"`
	PublishRate *float64 `json:"publish_rate,omitempty"`
	DeliverRate *float64 `json:"deliver_rate,omitempty"`
	Dropped     *int64   `json:"dropped,omitempty"`
	// LastError is the shovel's last failure reason as the broker reports it.
	LastError string `json:"last_error,omitempty"`
	// History is what the history stream holds (history stream only).
	History *HistorySpan `json:"history,omitempty"`
}

// Healthy reports whether a row shows a working piece.
func (r StatusRow) Healthy() bool {
	return r.State == "ok" || r.State == "running"
}

// Status reads every piece of every configured mirror. Missing pieces are
// rows with state "missing", not errors.
func (s *Setup) Status(ctx context.Context) ([]StatusRow, error) {
	states, err := s.prod.admin.ShovelStates(ctx, s.prod.ep.Vhost)
	var refused *broker.Refusal
	stateNote := ""
	switch {
	case errors.As(err, &refused):
		// Setup needs policymaker; a shovel's state wants monitoring
		// too, so without it the state is unknown, and the row says why.
		stateNote = "state unknown: " + refused.Error()
	case err != nil:
		return nil, fmt.Errorf("production broker: %w", err)
	}
	var rows []StatusRow
	for _, r := range s.xs {
		row := func(broker, kind, name, state, detail string) *StatusRow {
			rows = append(rows, StatusRow{Mirror: r.Exchange, Broker: broker, Kind: kind, Name: name, State: state, Detail: detail})
			return &rows[len(rows)-1]
		}
		src, err := s.prod.exchange(ctx, r.Exchange)
		if err != nil {
			return nil, err
		}
		if src == nil {
			row("production", "exchange", r.Exchange, "missing", "the production exchange does not exist")
		} else {
			row("production", "exchange", r.Exchange, "ok", src.Type)
			bs, err := s.prod.bindingsFrom(ctx, r.Exchange)
			if err != nil {
				return nil, err
			}
			var bound []string
			for _, b := range bs {
				if marked(b.Arguments, r.Exchange) {
					row("production", "binding", r.Exchange+" → "+b.Destination, "ok", "key "+quoteKey(b.RoutingKey))
					bound = append(bound, b.RoutingKey)
				}
			}
			if s.cfg.Layout == LayoutQueue {
				keys, err := mirrorKeys(r, src.Type)
				if err != nil {
					return nil, err
				}
				for _, k := range keys {
					if !slices.Contains(bound, k) {
						row("production", "binding", r.Exchange+" → "+MirrorQueue(r.Exchange), "missing", "key "+quoteKey(k))
					}
				}
			}
		}

		qname := MirrorQueue(r.Exchange)
		q, err := s.prod.queue(ctx, qname)
		if err != nil {
			return nil, err
		}
		if q == nil {
			row("production", "queue", qname, "missing", "")
		} else {
			qr := row("production", "queue", qname, "ok", fmt.Sprintf("%d msgs, in %.1f/s, out %.1f/s, %d consumer(s); %s", q.Messages, q.PublishRate, q.DeliverRate, q.Consumers, describeArgs(q.Args)))
			dropped := max(0, q.Published-q.Ack-int64(q.Messages))
			qr.Messages, qr.PublishRate, qr.DeliverRate, qr.Dropped = &q.Messages, &q.PublishRate, &q.DeliverRate, &dropped
		}

		name := ShovelName(r.Exchange)
		def, err := s.prod.shovel(ctx, name)
		if err != nil {
			return nil, err
		}
		if def == nil {
			row("production", "shovel", name, "missing", "")
		} else {
			dest, _ := def["dest-uri"].(string)
			state, reason := "starting", ""
			for _, st := range states {
				if st.Name == name {
					state, reason = st.State, st.Reason
				}
			}
			detail := fmt.Sprintf("→ %s exchange %v, ack-mode %v", Redact(dest), def["dest-exchange"], def["ack-mode"])
			if stateNote != "" {
				state, detail = "unknown", detail+"; "+stateNote
			}
			sr := row("production", "shovel", name, state, detail)
			if reason != "" {
				sr.LastError = redactReason(cleanReason(reason), dest)
			}
		}

		mx, err := s.mirror.exchange(ctx, r.MirrorExchange)
		if err != nil {
			return nil, err
		}
		switch {
		case mx == nil:
			row("mirror", "exchange", r.MirrorExchange, "missing", "")
		default:
			bs, err := s.mirror.bindingsFrom(ctx, r.MirrorExchange)
			if err != nil {
				return nil, err
			}
			consumers := 0
			for _, b := range bs {
				if b.Destination != HistoryStream(r.Exchange) {
					consumers++
				}
			}
			row("mirror", "exchange", r.MirrorExchange, "ok", fmt.Sprintf("%s, %d consumer queue(s) bound", mx.Type, consumers))
		}
		hr, err := s.historyRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if hr != nil {
			rows = append(rows, *hr)
		}
	}
	return rows, nil
}

// cleanReason makes an Erlang error term readable on one line.
func cleanReason(r string) string {
	r = strings.Join(strings.Fields(r), " ")
	if len(r) > 300 {
		r = r[:300] + "…"
	}
	return r
}

// redactReason removes the mirror's password, raw or percent-encoded,
// should the broker quote the URI in an error.
func redactReason(reason, uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.User == nil {
		return reason
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return reason
	}
	reason = strings.ReplaceAll(reason, pw, "xxxxx")
	return strings.ReplaceAll(reason, url.QueryEscape(pw), "xxxxx")
}

// WriteStatusTable prints status rows as an aligned table.
func WriteStatusTable(w io.Writer, rows []StatusRow) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MIRROR\tBROKER\tPIECE\tNAME\tSTATE\tDETAIL")
	for _, r := range rows {
		detail := r.Detail
		if r.LastError != "" {
			detail += "; last error: " + r.LastError
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Mirror, r.Broker, r.Kind, r.Name, r.State, detail)
	}
	return tw.Flush()
}

// WriteStatusJSON prints status rows as one JSON document.
func WriteStatusJSON(w io.Writer, rows []StatusRow) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"pieces": rows})
}
