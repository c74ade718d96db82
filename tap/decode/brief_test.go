package decode

import (
	"reflect"
	"testing"
)

// briefOf is what SummarizeFacts gives of a message whose Summarize is
// sum: the same, with the body's kind only.
func briefOf(sum Result) Result {
	sum.Body = Body{Kind: sum.Body.Kind}
	return sum
}

// checkBrief checks that SummarizeFacts' result is Summarize's without the
// body's text: the reading asks Summarize for the text later, when a
// free-text filter searches it, and must find the rest unchanged.
func checkBrief(t *testing.T, in Input) {
	t.Helper()
	brief, _ := (*Decoder)(nil).SummarizeFacts(in, func(Result) bool { return false })
	if want := briefOf(Summarize(in)); !reflect.DeepEqual(brief, want) {
		t.Errorf("SummarizeFacts %+v,\nwant Summarize without the body's text %+v", brief, want)
	}
	if brief.Body.Text != "" || brief.Body.Omitted != 0 {
		t.Errorf("SummarizeFacts gave the body's text: %+v", brief.Body)
	}
	// Without the fields: the same again, the fields left out and said
	// to be when there are some (a reading asks Summarize for them when
	// a view wants them), and nothing said when there are none.
	lean, _ := (*Decoder)(nil).SummarizeFactsWithoutFields(in, func(Result) bool { return false })
	want := brief
	want.Fields, want.FieldsLeftOut = nil, len(brief.Fields) > 0
	if !reflect.DeepEqual(lean, want) {
		t.Errorf("SummarizeFactsWithoutFields %+v,\nwant SummarizeFacts without the fields %+v", lean, want)
	}
}

// Every fixture: the brief result is Summarize's without the text, and a
// JSON or text body's text is there to ask for.
func TestBriefIsSummarizeWithoutText(t *testing.T) {
	kinds := map[BodyKind]int{}
	for _, name := range fixtureNames(t) {
		in := loadFixture(t, name)
		t.Run(name, func(t *testing.T) { checkBrief(t, in) })
		sum := Summarize(in)
		kinds[sum.Body.Kind]++
		if (sum.Body.Kind == BodyJSON || sum.Body.Kind == BodyText) && sum.Body.Text == "" && len(in.Body) > 0 {
			t.Errorf("%s: Summarize gave a %v body no text", name, sum.Body.Kind)
		}
	}
	if kinds[BodyJSON] == 0 || kinds[BodyText] == 0 || kinds[BodyHex] == 0 {
		t.Errorf("the fixtures cover too few kinds of body: %v", kinds)
	}
}
