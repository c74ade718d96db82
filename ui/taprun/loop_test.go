package taprun

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

// fakeTaps drives a tapLoop without a terminal or a broker: picks and
// sessions answer from scripts and record what they were asked.
type fakeTaps struct {
	picks    [][]tap.Source // what each pick returns, in order
	results  []tapResult    // what each session returns, in order
	onPick   func(n int)    // called before pick n (0-based) returns
	onOpen   func(n int)    // called before session n returns
	pickedAt []pickCall
	opened   [][]tap.Source
}

type pickCall struct {
	selected []tap.Source
	problem  string
}

func (f *fakeTaps) loop(stderr *bytes.Buffer) tapLoop {
	return tapLoop{
		pick: func(ctx context.Context, selected []tap.Source, problem string) ([]tap.Source, error) {
			n := len(f.pickedAt)
			f.pickedAt = append(f.pickedAt, pickCall{selected, problem})
			if f.onPick != nil {
				f.onPick(n)
			}
			if n >= len(f.picks) {
				return nil, nil // quit
			}
			return f.picks[n], nil
		},
		session: func(ctx context.Context, sources []tap.Source) tapResult {
			n := len(f.opened)
			f.opened = append(f.opened, sources)
			if f.onOpen != nil {
				f.onOpen(n)
			}
			if n >= len(f.results) {
				return tapResult{}
			}
			return f.results[n]
		},
		stderr: stderr,
	}
}

var (
	orders  = []tap.Source{{Exchange: "orders", Key: "#"}}
	celery  = []tap.Source{{Queue: "celery"}}
	unbound = []tap.Source{{Queue: "unbound"}}
)

func TestTapLoopQuitInThePickerCreatesNothing(t *testing.T) {
	f := &fakeTaps{}
	var stderr bytes.Buffer
	if code := f.loop(&stderr).run(context.Background(), nil); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if len(f.pickedAt) != 1 || len(f.opened) != 0 {
		t.Errorf("%d picks, %d sessions; want 1 pick and no session", len(f.pickedAt), len(f.opened))
	}
}

func TestTapLoopOpenErrorReturnsToThePickerWithTheProblem(t *testing.T) {
	f := &fakeTaps{
		picks:   [][]tap.Source{unbound},
		results: []tapResult{{code: 1, openErr: errors.New("could not tap queue unbound: bound only to the default exchange")}},
	}
	var stderr bytes.Buffer
	if code := f.loop(&stderr).run(context.Background(), nil); code != 0 {
		t.Errorf("exit %d, want 0: the user quit the picker after seeing why", code)
	}
	if len(f.pickedAt) != 2 {
		t.Fatalf("%d picks, want 2", len(f.pickedAt))
	}
	again := f.pickedAt[1]
	if !reflect.DeepEqual(again.selected, unbound) || !strings.Contains(again.problem, "bound only to the default exchange") {
		t.Errorf("the picker came back with %v and problem %q", again.selected, again.problem)
	}
	if stderr.Len() != 0 {
		t.Errorf("the picker shows the problem, not stderr: %q", stderr.String())
	}
}

func TestTapLoopOpenErrorOfCommandLineSourcesEndsTheRun(t *testing.T) {
	f := &fakeTaps{results: []tapResult{{code: 1, openErr: errors.New("no such exchange")}}}
	var stderr bytes.Buffer
	if code := f.loop(&stderr).run(context.Background(), orders); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if len(f.pickedAt) != 0 || !strings.Contains(stderr.String(), "shoveltap: no such exchange") {
		t.Errorf("%d picks, stderr %q; want none and the error", len(f.pickedAt), stderr.String())
	}
}

func TestTapLoopSGoesBackToThePicker(t *testing.T) {
	f := &fakeTaps{
		picks:   [][]tap.Source{celery},
		results: []tapResult{{again: true}, {}},
	}
	var stderr bytes.Buffer
	if code := f.loop(&stderr).run(context.Background(), orders); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if want := [][]tap.Source{orders, celery}; !reflect.DeepEqual(f.opened, want) {
		t.Errorf("sessions on %v, want %v", f.opened, want)
	}
	if len(f.pickedAt) != 1 || !reflect.DeepEqual(f.pickedAt[0].selected, orders) || f.pickedAt[0].problem != "" {
		t.Errorf("picks %+v; want one, with the tapped sources selected and no problem", f.pickedAt)
	}
}

// TestTapLoopSignalEndsIt: after a signal nothing starts again, whether it
// came while the UI ran (the session may still report s, or fail to open)
// or while the picker was up.
func TestTapLoopSignalEndsIt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sources  []tap.Source
		f        fakeTaps
		code     int
		sessions int
	}{
		{name: "s pressed", sources: orders, f: fakeTaps{results: []tapResult{{again: true}}}, sessions: 1},
		{name: "open error", f: fakeTaps{picks: [][]tap.Source{orders}, results: []tapResult{{code: 1, openErr: context.Canceled}}}, code: 1, sessions: 1},
		{name: "in the picker", f: fakeTaps{picks: [][]tap.Source{orders}}, sessions: 0},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		f := tc.f
		if tc.sessions == 0 {
			f.onPick = func(int) { cancel() }
		} else {
			f.onOpen = func(int) { cancel() }
		}
		var stderr bytes.Buffer
		code := f.loop(&stderr).run(ctx, tc.sources)
		cancel()
		if code != tc.code || len(f.opened) != tc.sessions || len(f.pickedAt) > 1 || (len(tc.sources) > 0 && len(f.pickedAt) > 0) {
			t.Errorf("%s: exit %d, %d sessions, %d picks; want exit %d, %d sessions and no pick after the signal",
				tc.name, code, len(f.opened), len(f.pickedAt), tc.code, tc.sessions)
		}
	}
}
