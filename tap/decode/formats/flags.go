package formats

import (
	"fmt"
	"strings"
	"time"
)

// ParseRule parses a flag value that maps messages to a type:
//
//	orders.*=shop.v1.Order                 routing key pattern
//	exchange:orders=shop.v1.Order          exchange (may hold *)
//	header:kind=order=shop.v1.Order        header with a value
//	header:x-order=shop.v1.Order           header that is set
//	exchange:shop,rk:orders.#=shop.v1.Order  both must hold
//
// The type follows the last '='. A condition without a prefix is a routing
// key pattern; rk: and routing-key: say so explicitly.
func ParseRule(s string) (Rule, error) {
	i := strings.LastIndexByte(s, '=')
	if i < 0 {
		return Rule{}, fmt.Errorf("%q: give CONDITION=TYPE, e.g. 'orders.*=shop.v1.Order'", s)
	}
	var r Rule
	r.Type = strings.TrimSpace(s[i+1:])
	if r.Type == "" {
		return Rule{}, fmt.Errorf("%q: no type after '='", s)
	}
	cond := strings.TrimSpace(s[:i])
	if cond == "" {
		return Rule{}, fmt.Errorf("%q: no condition before '=': give a routing key pattern (# for every message), exchange:NAME or header:NAME[=VALUE]", s)
	}
	for _, c := range strings.Split(cond, ",") {
		c = strings.TrimSpace(c)
		kind, val, ok := strings.Cut(c, ":")
		if !ok {
			kind, val = "rk", c
		}
		var dst *string
		switch strings.ToLower(kind) {
		case "rk", "routing-key":
			dst = &r.RoutingKey
		case "exchange", "x":
			dst = &r.Exchange
		case "header", "h":
			dst = &r.Header
		default:
			// A routing key may hold ':' too.
			kind, val, dst = "rk", c, &r.RoutingKey
		}
		if val == "" {
			return Rule{}, fmt.Errorf("%q: %s: with nothing after it", s, kind)
		}
		if *dst != "" {
			return Rule{}, fmt.Errorf("%q: %s given twice", s, kind)
		}
		*dst = val
	}
	if err := r.check(true); err != nil {
		return Rule{}, fmt.Errorf("%q: %w", s, err)
	}
	return r, nil
}

// ParseRules parses repeated flag values with ParseRule.
func ParseRules(values []string) ([]Rule, error) {
	var out []Rule
	for _, v := range values {
		r, err := ParseRule(v)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ParseHook parses a --hook flag value:
//
//	content-type=application/x-legacy:python3 decode.py --flag
//	rk=legacy.#:./decode.sh
//	filter=exchange:legacy rk:a.# :./decode.sh
//	content-type=application/x-a,timeout=500ms,max-body=65536:./d.sh
//
// Before the first ':' that follows the options are comma-separated
// key=value options (content-type, exchange, rk, header, filter, name,
// timeout, max-body, max-answer); after it the command, split at spaces
// (use the environments file when an argument holds one). A filter option
// comes last and ends at " :", since filters hold ':' and spaces.
func ParseHook(s string) (HookConfig, error) {
	var h HookConfig
	opts, cmd, ok := cutHookCommand(s)
	if !ok {
		return HookConfig{}, fmt.Errorf("%q: give OPTIONS:COMMAND, e.g. 'content-type=application/x-legacy:python3 decode.py'", s)
	}
	h.Command = strings.Fields(cmd)
	for _, o := range splitHookOptions(opts) {
		k, v, ok := strings.Cut(o, "=")
		if !ok || v == "" {
			return HookConfig{}, fmt.Errorf("%q: option %q: give key=value", s, o)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "content-type", "ctype":
			h.ContentTypes = append(h.ContentTypes, v)
		case "exchange":
			h.Match = append(h.Match, Rule{Exchange: v})
		case "rk", "routing-key":
			h.Match = append(h.Match, Rule{RoutingKey: v})
		case "header":
			h.Match = append(h.Match, Rule{Header: v})
		case "filter":
			h.Filter = v
		case "name":
			h.Name = v
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return HookConfig{}, fmt.Errorf("%q: timeout %q: give a duration such as 500ms or 2s", s, v)
			}
			h.Timeout = d
		case "max-body", "max-answer":
			n, err := parseSize(v)
			if err != nil {
				return HookConfig{}, fmt.Errorf("%q: %s: %w", s, k, err)
			}
			if k == "max-body" {
				h.MaxBody = n
			} else {
				h.MaxAnswer = n
			}
		default:
			return HookConfig{}, fmt.Errorf("%q: unknown option %q (content-type, exchange, rk, header, filter, name, timeout, max-body, max-answer)", s, k)
		}
	}
	if err := (Config{Hooks: []HookConfig{h}}).Check(); err != nil {
		return HookConfig{}, fmt.Errorf("%q: %w", s, err)
	}
	return h, nil
}

// cutHookCommand splits a --hook value at the ':' that ends the options:
// the first " :" after a filter= option, else the first ':'.
func cutHookCommand(s string) (opts, cmd string, ok bool) {
	if i := strings.Index(s, "filter="); i >= 0 {
		j := strings.Index(s[i:], " :")
		if j < 0 {
			return "", "", false
		}
		return s[:i+j], strings.TrimSpace(s[i+j+2:]), strings.TrimSpace(s[i+j+2:]) != ""
	}
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	// A content type or routing key holds no ':'; a command may.
	return s[:i], strings.TrimSpace(s[i+1:]), strings.TrimSpace(s[i+1:]) != ""
}

func splitHookOptions(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// parseSize reads a byte count: 65536, 64KiB, 1MiB.
func parseSize(s string) (int, error) {
	mult := 1
	num := s
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"KB", 1000}, {"MB", 1000 * 1000}, {"K", 1 << 10}, {"M", 1 << 20}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = n, u.mult
			break
		}
	}
	var n int
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != strings.TrimSpace(num) {
		return 0, fmt.Errorf("size %q: give bytes, or a number with KiB or MiB", s)
	}
	return n * mult, nil
}
