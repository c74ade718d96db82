package explain

import "testing"

func TestParseHeaders(t *testing.T) {
	h, err := parseHeaders([]string{"region=eu", "n:=5", "flag:=true", `CC:=["a.b"]`, "eq=a=b"})
	if err != nil {
		t.Fatal(err)
	}
	if h["region"] != "eu" || h["n"] != 5.0 || h["flag"] != true || h["eq"] != "a=b" {
		t.Errorf("headers %v", h)
	}
	if cc, ok := h["CC"].([]any); !ok || len(cc) != 1 || cc[0] != "a.b" {
		t.Errorf("CC %#v", h["CC"])
	}
	for _, bad := range []string{"novalue", "=x", "n:=notjson"} {
		if _, err := parseHeaders([]string{bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
