package taprun

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// TestCeleryFlag: --celery is the task queues with the firehose (the
// default queue "celery" when none is named) plus celeryev, whatever
// --key says of the other exchanges.
func TestCeleryFlag(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		want     []tap.Source
		firehose bool
	}{
		{[]string{"--celery"}, []tap.Source{{Queue: "celery"}, {Exchange: "celeryev", Key: tap.AllKeys}}, true},
		{[]string{"--celery", "--queue", "billing", "--queue", "mail"},
			[]tap.Source{{Queue: "billing"}, {Queue: "mail"}, {Exchange: "celeryev", Key: tap.AllKeys}}, true},
		// Tasks published to a named exchange need no firehose.
		{[]string{"--celery", "--exchange", "tasks", "--key", "billing.#"},
			[]tap.Source{{Exchange: "tasks", Key: "billing.#"}, {Exchange: "celeryev", Key: tap.AllKeys}}, false},
		{[]string{"--celery", "--exchange", "celeryev"}, []tap.Source{{Exchange: "celeryev", Key: tap.AllKeys}}, false},
	} {
		f, err := parseTap(t, tc.args...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if err := f.ExpandCelery(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := f.sources(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: sources %+v, want %+v", tc.args, got, tc.want)
		}
		if f.firehose != tc.firehose || !f.lifecycle {
			t.Errorf("%v: firehose %v lifecycle %v", tc.args, f.firehose, f.lifecycle)
		}
		con := cmdline.Console{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
		cfg, err := f.config(t.Context(), con)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Firehose != tc.firehose {
			t.Errorf("%v: the session's firehose is %v", tc.args, cfg.Firehose)
		}
	}
}

func TestLifecycleNeedsJSON(t *testing.T) {
	f, err := parseTap(t, "--queue", "q", "--lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.checkOutput(false); err == nil || !strings.Contains(err.Error(), "--lifecycle prints lifecycle lines with --json") {
		t.Errorf("--lifecycle in the UI: %v", err)
	}
	if err := f.checkOutput(true); err != nil {
		t.Errorf("--json --lifecycle: %v", err)
	}
}
