// Package setup builds and removes the lasting "mirror MQ" topology: a copy
// of a production exchange's stream carried by a dynamic shovel into a
// fanout exchange on a separate mirror broker, where outside consumers bind
// their own queues without loading production.
package setup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap/broker"
	"gopkg.in/yaml.v3"
)

// Layouts of the production side.
const (
	// LayoutQueue binds a mirror queue to the exchange beside the existing
	// queues; nothing of production changes.
	LayoutQueue = "queue"
	// LayoutFanout moves the exchange's queue bindings behind intermediate
	// fanout exchanges that also feed the mirror queue.
	LayoutFanout = "fanout"
)

// Overflow behaviours of the mirror queue.
const (
	OverflowDropHead      = "drop-head"
	OverflowRejectPublish = "reject-publish"
)

// Config is the whole mirror set-up, from flags or a YAML/JSON file.
type Config struct {
	Production Broker `yaml:"production" json:"production"`
	Mirror     Broker `yaml:"mirror" json:"mirror"`
	// Layout is "queue" (default) or "fanout".
	Layout string `yaml:"layout" json:"layout"`
	// ReconnectDelay is how many seconds the shovel waits before it retries
	// an unreachable mirror.
	ReconnectDelay int `yaml:"reconnect-delay" json:"reconnect-delay"`
	// Prefetch bounds the messages in flight inside the shovel.
	Prefetch int `yaml:"prefetch" json:"prefetch"`
	// Defaults apply to every exchange that does not set its own limits.
	Defaults  Limits     `yaml:"defaults" json:"defaults"`
	Exchanges []Exchange `yaml:"exchanges" json:"exchanges"`

	// Deprecated names the keys of the file written in the old spelling
	// (cert_key for cert-key), which LoadConfig still reads.
	Deprecated []string `yaml:"-" json:"-"`
}

// Broker is where a broker is. Passwords do not belong in the file: they
// come from the environment (SHOVELTAP_PASSWORD, SHOVELTAP_MIRROR_PASSWORD).
type Broker struct {
	URL string `yaml:"url" json:"url"`
	API string `yaml:"api" json:"api"`
	// ShovelURL is the mirror's address as the production broker reaches it,
	// when that differs from URL (another host name inside the data centre).
	ShovelURL string `yaml:"shovel-url" json:"shovel-url"`
	// TLS files on this machine, for shoveltap's own connections (the
	// mirror's default to production's).
	CACert  string `yaml:"ca-cert" json:"ca-cert"`
	Cert    string `yaml:"cert" json:"cert"`
	CertKey string `yaml:"cert-key" json:"cert-key"`
	// The mirror only: TLS files on the production broker's host, for the
	// shovel that production runs to reach an amqps:// mirror (see
	// broker.ShovelURI). With ShovelCert the shovel logs in by x509 and the
	// mirror's password is not stored on production.
	ShovelCACert  string `yaml:"shovel-ca-cert" json:"shovel-ca-cert"`
	ShovelCert    string `yaml:"shovel-cert" json:"shovel-cert"`
	ShovelCertKey string `yaml:"shovel-cert-key" json:"shovel-cert-key"`
}

// Limits bound the mirror queue on production and, when asked for, the
// history kept on the mirror.
type Limits struct {
	MaxLength int    `yaml:"max-length" json:"max-length"`
	MaxBytes  string `yaml:"max-bytes" json:"max-bytes"`
	Overflow  string `yaml:"overflow" json:"overflow"`
	// History keeps the mirror's copy in a stream on the mirror broker as
	// well, for this long (24h, 7d) and/or this many bytes (5GiB), so
	// that `shoveltap --queue <the stream> --from -1h` looks back over
	// production's traffic. HistoryReplicas is the stream's initial
	// cluster size on a clustered mirror (0: the broker's default).
	History         string `yaml:"history" json:"history"`
	HistoryBytes    string `yaml:"history-bytes" json:"history-bytes"`
	HistoryReplicas int    `yaml:"history-replicas" json:"history-replicas"`
}

// Exchange is one production exchange to mirror.
type Exchange struct {
	Name string `yaml:"name" json:"name"`
	// Keys are the binding keys of the mirror queue; default "#".
	Keys []string `yaml:"keys" json:"keys"`
	// MirrorExchange is the fanout exchange on the mirror broker; default
	// the production exchange's name.
	MirrorExchange string `yaml:"mirror-exchange" json:"mirror-exchange"`
	Limits         `yaml:",inline" json:",inline"`
}

// DefaultLimits keep a mirror that lost its broker for a while under about
// 256 MiB of bodies on production.
var DefaultLimits = Limits{MaxLength: 1_000_000, MaxBytes: "256MiB", Overflow: OverflowDropHead}

// DefaultReconnectDelay is how many seconds the shovel waits before it
// retries an unreachable mirror, when the configuration does not say.
const DefaultReconnectDelay = 5

// LoadConfig reads a YAML or JSON file (JSON is YAML, but a .json file is
// parsed strictly as JSON so its errors read like JSON errors).
func LoadConfig(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("reading the set-up file: %w", err)
	}
	isJSON := strings.EqualFold(filepath.Ext(path), ".json")
	raw, old, err := kebabKeys(raw, isJSON)
	if err != nil {
		return Config{}, fmt.Errorf("reading the set-up file %s: %w", path, err)
	}
	var c Config
	if isJSON {
		err = json.Unmarshal(raw, &c)
	} else {
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		dec.KnownFields(true)
		err = dec.Decode(&c)
	}
	if err != nil {
		return Config{}, fmt.Errorf("reading the set-up file %s: %w", path, err)
	}
	c.Deprecated = old
	return c, nil
}

// kebabKeys rewrites the keys of a set-up file spelt the old way, with
// underscores (cert_key), to the one spelling of the command line and the
// environments file (cert-key), and names those it rewrote. A file
// without any is returned as it is, so that errors keep their lines.
func kebabKeys(raw []byte, isJSON bool) ([]byte, []string, error) {
	var old []string
	rename := func(k string) string {
		if !strings.Contains(k, "_") {
			return k
		}
		old = append(old, k)
		return strings.ReplaceAll(k, "_", "-")
	}
	if isJSON {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return raw, nil, nil // the strict decode says what is wrong
		}
		v = renameJSON(v, rename)
		if len(old) == 0 {
			return raw, nil, nil
		}
		out, err := json.Marshal(v)
		return out, old, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return raw, nil, nil
	}
	renameYAML(&doc, rename)
	if len(old) == 0 {
		return raw, nil, nil
	}
	out, err := yaml.Marshal(&doc)
	return out, old, err
}

func renameJSON(v any, rename func(string) string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[rename(k)] = renameJSON(e, rename)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = renameJSON(e, rename)
		}
	}
	return v
}

func renameYAML(n *yaml.Node, rename func(string) string) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			n.Content[i].Value = rename(n.Content[i].Value)
		}
	}
	for _, c := range n.Content {
		renameYAML(c, rename)
	}
}

// Resolved is one exchange's settings with every default applied.
type Resolved struct {
	Exchange       string
	Keys           []string
	MirrorExchange string
	MaxLength      int
	MaxBytes       int64
	Overflow       string
	// The history stream on the mirror; none when both are zero.
	HistoryAge      time.Duration
	HistoryBytes    int64
	HistoryReplicas int
}

// History reports whether a history stream is asked for.
func (r Resolved) History() bool { return r.HistoryAge > 0 || r.HistoryBytes > 0 }

// resolve applies defaults and checks the configuration.
func (c *Config) resolve() ([]Resolved, error) {
	if c.Layout == "" {
		c.Layout = LayoutQueue
	}
	if c.Layout != LayoutQueue && c.Layout != LayoutFanout {
		return nil, fmt.Errorf("layout %q is not known; use %q (default) or %q", c.Layout, LayoutQueue, LayoutFanout)
	}
	if c.ReconnectDelay <= 0 {
		c.ReconnectDelay = DefaultReconnectDelay
	}
	if c.Prefetch <= 0 {
		c.Prefetch = 1000
	}
	if len(c.Exchanges) == 0 {
		return nil, fmt.Errorf("no exchange to mirror: give --exchange NAME or an exchanges: list in the set-up file")
	}
	seen := map[string]bool{}
	seenMirror := map[string]bool{}
	var out []Resolved
	for _, x := range c.Exchanges {
		if x.Name == "" || strings.HasPrefix(x.Name, "amq.") {
			return nil, fmt.Errorf("exchange %q cannot be mirrored: give a named exchange of your own (not the default or an amq.* exchange)", x.Name)
		}
		if seen[x.Name] {
			return nil, fmt.Errorf("exchange %q is listed twice", x.Name)
		}
		seen[x.Name] = true
		r := Resolved{Exchange: x.Name, Keys: x.Keys, MirrorExchange: x.MirrorExchange}
		if len(r.Keys) == 0 {
			r.Keys = []string{"#"}
		}
		if r.MirrorExchange == "" {
			r.MirrorExchange = x.Name
		}
		if seenMirror[r.MirrorExchange] {
			return nil, fmt.Errorf("two exchanges mirror into %q on the mirror broker; give each its own mirror_exchange", r.MirrorExchange)
		}
		seenMirror[r.MirrorExchange] = true
		r.MaxLength = firstNonZero(x.MaxLength, c.Defaults.MaxLength, DefaultLimits.MaxLength)
		size := firstNonEmpty(x.MaxBytes, c.Defaults.MaxBytes, DefaultLimits.MaxBytes)
		n, err := broker.ParseSize(size)
		if err != nil {
			return nil, fmt.Errorf("max_bytes of exchange %q: %w", x.Name, err)
		}
		r.MaxBytes = n
		r.Overflow = firstNonEmpty(x.Overflow, c.Defaults.Overflow, DefaultLimits.Overflow)
		if r.Overflow != OverflowDropHead && r.Overflow != OverflowRejectPublish {
			return nil, fmt.Errorf("overflow %q of exchange %q is not known; use %s (protects production) or %s (protects completeness)", r.Overflow, x.Name, OverflowDropHead, OverflowRejectPublish)
		}
		if err := resolveHistory(&r, x.Limits, c.Defaults); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func firstNonZero(v ...int) int {
	for _, x := range v {
		if x > 0 {
			return x
		}
	}
	return 0
}

func firstNonEmpty(v ...string) string {
	for _, x := range v {
		if x != "" {
			return x
		}
	}
	return ""
}
