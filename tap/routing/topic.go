package routing

import "github.com/shoveltap/shoveltap/tap/topic"

// splitWords splits a key into words as the broker does (tap/topic).
func splitWords(key string) []string { return topic.Split(key) }

// topicMatch reports whether binding pattern words p match key words k
// (tap/topic, the broker's rule).
func topicMatch(p, k []string) bool { return topic.MatchWords(p, k) }

// trie indexes one topic exchange's bindings by their words, as the
// broker's topic trie does, so that a message costs the words of its key
// rather than a pass over every binding.
type trie struct {
	children map[string]*trie
	bindings []int // indexes into the exchange's bindings
}

func (n *trie) add(words []string, i int) {
	for k, w := range words {
		// "#.#" means what "#" means; one node keeps a run of them from
		// multiplying the work of every message.
		if w == "#" && k > 0 && words[k-1] == "#" {
			continue
		}
		if n.children == nil {
			n.children = map[string]*trie{}
		}
		c, ok := n.children[w]
		if !ok {
			c = &trie{}
			n.children[w] = c
		}
		n = c
	}
	n.bindings = append(n.bindings, i)
}

// match adds to hit the bindings matching words
// (rabbit_exchange_type_topic:trie_match).
func (n *trie) match(words []string, hit map[int]bool) {
	if len(words) == 0 {
		for _, i := range n.bindings {
			hit[i] = true
		}
		if c := n.children["#"]; c != nil {
			c.match(nil, hit)
		}
		return
	}
	if c := n.children[words[0]]; c != nil {
		c.match(words[1:], hit)
	}
	// A key word that is itself "*" or "#" meets those children twice;
	// hit is a set, as the broker's result is.
	if c := n.children["*"]; c != nil {
		c.match(words[1:], hit)
	}
	if c := n.children["#"]; c != nil {
		// "#" takes zero, one, ... all the remaining words.
		for i := 0; i <= len(words); i++ {
			c.match(words[i:], hit)
		}
	}
}
