// Package topic matches routing keys against AMQP topic patterns exactly
// as RabbitMQ's topic exchange does (rabbit_exchange_type_topic): words are
// separated by dots, "*" is exactly one word (an empty one too), "#" zero
// or more words, and the empty key has no words at all. The routing
// model, the filter's rk: term and the decoders' mappings all use it, so
// that a pattern means the same thing everywhere.
package topic

import "strings"

// Split splits a routing or binding key into words as the broker does:
// the empty key has no words, and "a..b" has three, the middle one empty.
func Split(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, ".")
}

// Match reports whether key matches pattern.
func Match(pattern, key string) bool {
	return MatchKey(Split(pattern), key)
}

// MatchWords reports whether the pattern's words match the key's words
// (both from Split).
func MatchWords(p, k []string) bool {
	for len(p) > 0 {
		switch p[0] {
		case "#":
			// "#.#" means what "#" means.
			rest := p[1:]
			for len(rest) > 0 && rest[0] == "#" {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				return true
			}
			for i := 0; i <= len(k); i++ {
				if MatchWords(rest, k[i:]) {
					return true
				}
			}
			return false
		case "*":
			if len(k) == 0 {
				return false
			}
		default:
			if len(k) == 0 || k[0] != p[0] {
				return false
			}
		}
		p, k = p[1:], k[1:]
	}
	return len(k) == 0
}

// MatchKey is MatchWords on a key that is not split: it walks the key in
// place, without allocating, for the filter, which runs over every
// retained message.
func MatchKey(p []string, key string) bool {
	return matchKey(p, key, key != "")
}

// matchKey matches pattern words against the words left in key; more says
// whether any word is left (an empty word is still a word).
func matchKey(p []string, key string, more bool) bool {
	for len(p) > 0 {
		if p[0] == "#" {
			for len(p) > 0 && p[0] == "#" {
				p = p[1:]
			}
			if len(p) == 0 {
				return true
			}
			// Let # swallow no word, one word, two words, …
			for {
				if matchKey(p, key, more) {
					return true
				}
				if !more {
					return false
				}
				key, more = rest(key)
			}
		}
		if !more || (p[0] != "*" && p[0] != first(key)) {
			return false
		}
		key, more = rest(key)
		p = p[1:]
	}
	return !more
}

func first(key string) string {
	if i := strings.IndexByte(key, '.'); i >= 0 {
		return key[:i]
	}
	return key
}

// rest is key without its first word, and whether a word is left.
func rest(key string) (string, bool) {
	if i := strings.IndexByte(key, '.'); i >= 0 {
		return key[i+1:], true
	}
	return "", false
}
