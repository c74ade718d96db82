package filter

import "testing"

// TestRouteTerm: route: matches the routing verdict and the queues
// reached; a message without a routing model matches no route: term.
func TestRouteTerm(t *testing.T) {
	routed := &Subject{Route: "routed paid audit"}
	lost := &Subject{Route: "unroutable "}
	none := &Subject{}
	for _, tt := range []struct {
		query              string
		routed, lost, none bool
	}{
		{"route:unroutable", false, true, false},
		{"-route:unroutable", true, false, true},
		{"route:routed", true, false, false},
		{"route:paid", true, false, false},
		{"route:", true, true, false},
		{"ROUTE:Unroutable", false, true, false},
	} {
		m := Parse(tt.query)
		if got := m.Match(routed); got != tt.routed {
			t.Errorf("%q on a routed message: %v", tt.query, got)
		}
		if got := m.Match(lost); got != tt.lost {
			t.Errorf("%q on an unroutable message: %v", tt.query, got)
		}
		if got := m.Match(none); got != tt.none {
			t.Errorf("%q on a message without routing: %v", tt.query, got)
		}
	}
}
