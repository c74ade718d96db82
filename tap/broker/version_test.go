package broker

import "testing"

func TestVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		version string
		want    bool
	}{
		{"4.2.0", true}, {"4.3.6", true}, {"5.0.1", true}, {"4.2.0-rc.1", true}, {"4.2-rc.1", true},
		{"4.1.4", false}, {"4.0.5", false}, {"3.13.7", false}, {"3.10.8", false},
		{"", false}, {"4", false}, {"x.y", false},
	} {
		if got := VersionAtLeast(c.version, 4, 2); got != c.want {
			t.Errorf("VersionAtLeast(%q, 4, 2) = %v, want %v", c.version, got, c.want)
		}
	}
}
