package keys

import (
	"testing"

	"charm.land/bubbles/v2/key"
	// golden registers the -update flag, so that `go test ./ui/... -update`
	// runs in every package.
	_ "github.com/charmbracelet/x/exp/golden"
)

func enabled(k KeyMap) map[string][]key.Binding {
	byKey := map[string][]key.Binding{}
	for _, b := range k.all() {
		if !b.Enabled() {
			continue
		}
		for _, s := range b.Keys() {
			byKey[s] = append(byKey[s], *b)
		}
	}
	return byKey
}

// TestNoKeyDoesTwoThings checks every mode: a key may be bound to one
// enabled binding only.
func TestNoKeyDoesTwoThings(t *testing.T) {
	states := []State{{}, {FilterActive: true}, {Paused: true, Following: true}, {Empty: true}, {Celery: true}, {Picker: true}, {LifecycleTask: true}, {Routing: true, Picker: true, FilterActive: true}}
	for _, mode := range []Mode{ModeTable, ModeDetail, ModeFilter, ModeHelp, ModeQuitting, ModeTrace, ModeLifecycle, ModeTopology} {
		for _, st := range states {
			for k, bs := range enabled(Default().For(mode, st)) {
				if len(bs) > 1 {
					t.Errorf("mode %d state %+v: %q is bound to %d bindings: %v", mode, st, k, len(bs), bs)
				}
			}
		}
	}
}

func TestForEnablesPerMode(t *testing.T) {
	k := Default()
	if e := enabled(k.For(ModeFilter, State{})); e["q"] != nil || e["ctrl+c"] == nil {
		t.Error("in the filter q must type a q and ctrl+c must quit")
	}
	if e := enabled(k.For(ModeTable, State{})); e["esc"] != nil {
		t.Error("esc does nothing in the table without a filter")
	}
	if e := enabled(k.For(ModeTable, State{FilterActive: true})); e["esc"] == nil {
		t.Error("esc clears a kept filter")
	}
	if e := enabled(k.For(ModeTable, State{Following: true})); e["G"] != nil {
		t.Error("G is left out of the help while following")
	}
	if e := enabled(k.For(ModeTable, State{Empty: true})); e["enter"] != nil {
		t.Error("enter opens nothing when there is no message")
	}
	if e := enabled(k.For(ModeQuitting, State{})); len(e) != 1 || e["ctrl+c"] == nil {
		t.Errorf("while quitting only ctrl+c works, got %v", e)
	}
	if k.For(ModeTable, State{Paused: true}).Pause.Help().Desc != "resume" {
		t.Error("space says resume while paused")
	}
}

func TestTraceKeyOnlyForCelery(t *testing.T) {
	k := Default()
	if e := enabled(k.For(ModeDetail, State{})); e["t"] != nil {
		t.Error("t does nothing in the detail pane of a message that is not Celery's")
	}
	if e := enabled(k.For(ModeDetail, State{Celery: true})); e["t"] == nil {
		t.Error("t opens the trace tree from a Celery message")
	}
	for _, mode := range []Mode{ModeTable, ModeFilter, ModeTrace} {
		if e := enabled(k.For(mode, State{Celery: true})); e["t"] != nil {
			t.Errorf("mode %d: t is enabled", mode)
		}
	}
	if e := enabled(k.For(ModeTrace, State{})); e["enter"] == nil || e["esc"] == nil {
		t.Error("in the trace tree enter opens a message and esc goes back")
	}
}

func TestSourcesKeyOnlyInTheTableOfALiveTap(t *testing.T) {
	k := Default()
	if e := enabled(k.For(ModeTable, State{Picker: true})); e["s"] == nil || e["s"][0].Help().Desc != "sources" {
		t.Error("s returns to the source picker from the table")
	}
	if e := enabled(k.For(ModeTable, State{})); e["s"] != nil {
		t.Error("s is enabled without a picker to return to (a capture)")
	}
	for _, mode := range []Mode{ModeDetail, ModeFilter, ModeTrace, ModeHelp, ModeQuitting} {
		for _, b := range enabled(k.For(mode, State{Picker: true}))["s"] {
			if b.Help().Desc == "sources" {
				t.Errorf("mode %d: s returns to the picker", mode)
			}
		}
	}
}

func TestTopologyKeyOnlyWithRouting(t *testing.T) {
	k := Default()
	if e := enabled(k.For(ModeTable, State{})); e["T"] != nil {
		t.Error("T opens nothing without a routing model")
	}
	if e := enabled(k.For(ModeTable, State{Routing: true})); e["T"] == nil {
		t.Error("T opens the topology view from the table when a routing model is there")
	}
	if e := enabled(k.For(ModeDetail, State{Routing: true})); e["T"] != nil {
		t.Error("T works from the table only")
	}
	e := enabled(k.For(ModeTopology, State{Routing: true}))
	if e["esc"] == nil || e["enter"] != nil || e["j"] == nil || e["pgdown"] == nil || e["T"] != nil {
		t.Errorf("the topology view scrolls and esc goes back: %v", e)
	}
}
