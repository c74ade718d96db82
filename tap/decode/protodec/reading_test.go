package protodec

import (
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// The decoding stage leaves a Protobuf body's field values out (the
// brief result has the kind only); the first free-text term asks
// Summarize for them, and finds what it found when the reading carried
// them: the fields' "name: value" lines, secrets left out.
func TestFreeTextFindsFieldValuesOnDemand(t *testing.T) {
	d := newDecoder(t, load(t, Sources{DescriptorSets: []string{"testdata/shop.binpb"}}), formats.ProtoConfig{})
	in := decode.Input{ContentType: "application/x-protobuf; proto=shop.v1.Order", Body: fixture(t, "order.bin")}
	brief, _ := d.SummarizeFacts(in, func(decode.Result) bool { return false })
	if brief.Format != "protobuf" || brief.Body.Kind != decode.BodyText || brief.Body.Text != "" {
		t.Fatalf("brief result %q, body %+v: want protobuf, text kind and no text", brief.Format, brief.Body)
	}
	full := d.Summarize(in)
	if !strings.Contains(full.Body.Text, "email: ada@example.com\n") || strings.Contains(full.Body.Text, "hunter") {
		t.Fatalf("Summarize's search text:\n%s", full.Body.Text)
	}
	r := reading.BuildWith(d, reading.Input{Message: in})
	text := r.SearchText()
	if !strings.Contains(text, strings.ToLower(full.Body.Text)) {
		t.Errorf("the haystack lacks the field values:\n%s\nwant them in\n%s", full.Body.Text, text)
	}
	for q, want := range map[string]bool{"ada@example.com": true, "leave at door": true, "sku-2": true, "hunter2": false} {
		if got := filter.Parse(q).Match(&r.Subject); got != want {
			t.Errorf("free text %q matches: %v, want %v", q, got, want)
		}
	}
}
