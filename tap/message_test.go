package tap

import "testing"

func TestDecimalString(t *testing.T) {
	for _, c := range []struct {
		d    Decimal
		want string
	}{{Decimal{2, 12345}, "123.45"}, {Decimal{0, 7}, "7"}, {Decimal{3, -5}, "-0.005"}, {Decimal{1, 0}, "0.0"}} {
		if got := c.d.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.d, got, c.want)
		}
	}
}
