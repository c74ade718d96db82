package setup

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Prefix starts the name of every production-side object setup creates.
// Names end in a word ("-q", "-shovel", "-fanout"), never in "-<digits>" or
// "-tap": the tracer's orphan sweep (tap.BaseOf) must never take them for
// the leftovers of a crashed tap.
const Prefix = "shoveltap-mirror-"

// Marker is the argument that every queue, exchange and binding created by
// setup carries, with the mirrored exchange's name as its value. Teardown
// removes only what carries it. Shovel definitions reject unknown keys, so a
// shovel is recognised by its name and by its source queue being a marked
// mirror queue.
const Marker = "x-shoveltap-mirror"

// markerKey is the argument of an intermediate fanout exchange (fanout
// layout) that records which binding key of the production exchange it
// took over, so teardown can put the bindings back as they were.
const markerKey = "x-shoveltap-key"

// MirrorQueue is the durable, bounded queue on production that collects the
// copy of exchange x's stream.
func MirrorQueue(x string) string { return Prefix + x + "-q" }

// ShovelName is the dynamic shovel on production that carries the mirror
// queue to the mirror broker.
func ShovelName(x string) string { return Prefix + x + "-shovel" }

// FanoutName is the intermediate fanout exchange (fanout layout) that takes
// over exchange x's queue bindings with binding key key.
func FanoutName(x, key string) string {
	sum := sha256.Sum256([]byte(key))
	return Prefix + x + "-k" + hex.EncodeToString(sum[:4]) + "-fanout"
}

// fanoutPrefix is what every intermediate fanout exchange of x starts with.
func fanoutPrefix(x string) string { return Prefix + x + "-k" }

// marked reports whether an argument table carries the marker for x.
func marked(args map[string]any, x string) bool {
	v, ok := args[Marker].(string)
	return ok && v == x
}

// withMarker returns a copy of args with the marker for x.
func withMarker(args map[string]any, x string) map[string]any {
	out := map[string]any{Marker: x}
	for k, v := range args {
		if k != Marker {
			out[k] = v
		}
	}
	return out
}

// withoutMarker returns a copy of args without setup's own arguments.
func withoutMarker(args map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		if k != Marker && k != markerKey {
			out[k] = v
		}
	}
	return out
}

// isOurs reports whether a name belongs to setup or to a tracer session,
// so that the fanout layout never moves those bindings.
func isShoveltap(name string) bool { return strings.HasPrefix(name, "shoveltap-") }
