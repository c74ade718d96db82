package envs

import (
	"strings"
	"testing"
)

func TestTraceURL(t *testing.T) {
	f, err := Load(write(t, "environments:\n  prod:\n    url: amqp://x/\n    trace-url: https://grafana.example/explore?traceId={trace_id}\n", 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Environments[0].TraceURL; got != "https://grafana.example/explore?traceId={trace_id}" {
		t.Fatalf("TraceURL %q", got)
	}
	_, err = Load(write(t, "environments:\n  prod:\n    trace-url: https://grafana.example/explore\n", 0o600))
	if err == nil || !strings.Contains(err.Error(), "{trace_id}") || !strings.Contains(err.Error(), `environment "prod"`) {
		t.Fatalf("a template without {trace_id}: %v", err)
	}
}
