package decode

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const fixtureDir = "../../testdata/decode"

// fixtureMeta is NAME.json: the message properties and headers.
type fixtureMeta struct {
	Exchange        string         `json:"exchange"`
	RoutingKey      string         `json:"routing_key"`
	ContentType     string         `json:"content_type"`
	ContentEncoding string         `json:"content_encoding"`
	CorrelationID   string         `json:"correlation_id"`
	ReplyTo         string         `json:"reply_to"`
	Type            string         `json:"type"`
	Headers         map[string]any `json:"headers"`
}

// loadFixture reads NAME.json and NAME.body into an Input, with header
// values converted to the Go types the tap produces (int64 for integers).
func loadFixture(t testing.TB, name string) Input {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	var meta fixtureMeta
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&meta); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	body, err := os.ReadFile(filepath.Join(fixtureDir, name+".body"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	h, _ := headerTypes(meta.Headers).(map[string]any)
	return Input{
		Exchange: meta.Exchange, RoutingKey: meta.RoutingKey,
		ContentType: meta.ContentType, ContentEncoding: meta.ContentEncoding,
		CorrelationID: meta.CorrelationID, ReplyTo: meta.ReplyTo, Type: meta.Type,
		Headers: h, Body: body,
	}
}

func headerTypes(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = headerTypes(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = headerTypes(x[k])
		}
		return x
	}
	return v
}

// fixtureNames lists every NAME with a NAME.body in the fixture folder.
func fixtureNames(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.body"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtureDir, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".body"))
	}
	sort.Strings(names)
	return names
}

func TestDumpFixtures(t *testing.T) {
	if os.Getenv("DECODE_DUMP") == "" {
		t.Skip("set DECODE_DUMP=1 to print every fixture's Result")
	}
	for _, name := range fixtureNames(t) {
		r := Decode(loadFixture(t, name))
		var b strings.Builder
		b.WriteString("=== " + name + "\nFormat: " + r.Format + "\nSummary: " + r.Summary + "\n")
		for _, f := range r.Fields {
			b.WriteString("  " + f.Name + ": " + f.Value + "\n")
		}
		for _, n := range r.Notes {
			b.WriteString("  note: " + n + "\n")
		}
		if r.Task != nil {
			tj, _ := json.Marshal(r.Task)
			b.WriteString("  task: " + string(tj) + "\n")
		}
		tj, _ := json.Marshal(r.Terms)
		b.WriteString("  terms: " + string(tj) + "\n")
		b.WriteString("  body kind " + []string{"empty", "json", "text", "hex"}[r.Body.Kind] + ", omitted " + sizeString(r.Body.Omitted) + ":\n" + truncate(r.Body.Text, 700) + "\n")
		t.Log(b.String())
	}
}
