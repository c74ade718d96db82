package topic

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, key string
		want         bool
	}{
		{"#", "", true},
		{"#", "a.b", true},
		{"*", "", false}, // the empty key has no words (the broker's rule)
		{"*", "a", true},
		{"", "", true},
		{"", "a", false},
		{"a.*", "a.", true}, // an empty word is a word
		{"a.*", "a", false},
		{"a.#", "a", true},
		{"a.#.b", "a.b", true},
		{"a.#.b", "a.x.y.b", true},
		{"a.#.b", "a.x.y.c", false},
		{"order.*.paid", "order.paid", false},
		{"order.*.paid", "order.eu.paid", true},
		{"a..b", "a..b", true},
		{"#.#", "x", true},
		{"*.#", "", false},
	}
	for _, c := range cases {
		if got := Match(c.pattern, c.key); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.key, got, c.want)
		}
		if got := MatchWords(Split(c.pattern), Split(c.key)); got != c.want {
			t.Errorf("MatchWords(%q, %q) = %v, want %v", c.pattern, c.key, got, c.want)
		}
	}
}

// TestMatchKeyEqualsMatchWords: the in-place walk and the split form agree
// on random patterns and keys over a small alphabet (empty words too).
func TestMatchKeyEqualsMatchWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	word := func(pat bool) string {
		alphabet := []string{"a", "b", ""}
		if pat {
			alphabet = append(alphabet, "*", "#")
		}
		return alphabet[rng.IntN(len(alphabet))]
	}
	gen := func(pat bool) string {
		n := rng.IntN(5)
		w := make([]string, n)
		for i := range w {
			w[i] = word(pat)
		}
		return strings.Join(w, ".")
	}
	for range 20000 {
		p, k := gen(true), gen(false)
		if a, b := MatchKey(Split(p), k), MatchWords(Split(p), Split(k)); a != b {
			t.Fatalf("pattern %q key %q: MatchKey %v, MatchWords %v", p, k, a, b)
		}
	}
}
