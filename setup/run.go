package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Commands of `shoveltap setup`.
const (
	CmdPlan     = "plan"
	CmdApply    = "apply"
	CmdStatus   = "status"
	CmdTeardown = "teardown"
)

// Commands lists every command Run knows, in the order help shows them.
var Commands = []string{CmdPlan, CmdApply, CmdStatus, CmdTeardown}

// RunConfig is one run of a set-up command.
type RunConfig struct {
	Command string // one of Commands
	Config  Config
	// Getenv supplies the environment for what Config leaves out: URLs,
	// users, passwords (os.Getenv when nil).
	Getenv      func(string) string
	InsecureTLS bool // for both brokers
	JSON        bool // print JSON instead of text
	// Yes allows apply to make a plan that rebinds production queues
	// (LayoutFanout).
	Yes bool
	// All makes teardown also remove marked mirrors of exchanges that are
	// not in Config.
	All bool
}

// Run resolves cfg.Config, runs cfg.Command against both brokers and writes
// its report to out.
func Run(ctx context.Context, cfg RunConfig, out io.Writer) error {
	if !slices.Contains(Commands, cfg.Command) {
		return fmt.Errorf("unknown command %q; use %s", cfg.Command, strings.Join(Commands, ", "))
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	s, err := New(cfg.Config, getenv, cfg.InsecureTLS)
	if err != nil {
		return err
	}
	switch cfg.Command {
	case CmdPlan:
		err = s.runPlan(ctx, out, cfg.JSON)
	case CmdApply:
		err = s.runApply(ctx, out, cfg.JSON, cfg.Yes)
	case CmdStatus:
		err = s.runStatus(ctx, out, cfg.JSON)
	case CmdTeardown:
		err = s.runTeardown(ctx, out, cfg.JSON, cfg.All)
	}
	return err
}

// needsOf is what setup needs of the user a refusal came from, on each
// side, so that the command a refusal prints grants it all at once: the
// mirror side's needs, unless the mirror is production's own user there.
func needsOf(xs []Resolved, prod, mirror broker.Endpoint) (onProd, onMirror broker.NeedsFunc) {
	var exchanges, mirrorExchanges []string
	for _, r := range xs {
		exchanges = append(exchanges, r.Exchange)
		mirrorExchanges = append(mirrorExchanges, r.MirrorExchange)
	}
	setup := func(*broker.Refusal) (broker.Needs, string) { return broker.SetupNeeds(exchanges...), "" }
	onMirror = func(r *broker.Refusal) (broker.Needs, string) {
		if r.Broker+r.Vhost+r.User == prod.Address()+prod.Vhost+prod.User {
			return broker.SetupNeeds(exchanges...), ""
		}
		return broker.MirrorNeeds(mirrorExchanges...), ""
	}
	return setup, onMirror
}

func (s *Setup) runPlan(ctx context.Context, w io.Writer, asJSON bool) error {
	plan, err := s.Plan(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, map[string]any{"layout": s.cfg.Layout, "steps": plan, "changes": countChanges(plan), "notes": s.notes})
	}
	writePlan(w, plan)
	s.writeNotes(w)
	if countChanges(plan) == 0 {
		fmt.Fprintln(w, "Nothing to change: the mirror is set up as described.")
	} else {
		fmt.Fprintf(w, "%d change(s); run `shoveltap setup apply` with the same flags to make them.\n", countChanges(plan))
	}
	return nil
}

func (s *Setup) runApply(ctx context.Context, w io.Writer, asJSON, yes bool) error {
	plan, err := s.Plan(ctx)
	if err != nil {
		return err
	}
	n := countChanges(plan)
	if n == 0 {
		if asJSON {
			return writeJSON(w, map[string]any{"changes": 0, "steps": plan})
		}
		writePlan(w, plan)
		fmt.Fprintln(w, "Nothing to change: the mirror is already set up as described.")
		return nil
	}
	if s.cfg.Layout == LayoutFanout && !yes {
		writePlan(w, plan)
		return errors.New("--layout fanout rebinds production queues: review the plan above and run again with --yes")
	}
	if !asJSON {
		writePlan(w, plan)
		s.writeNotes(w)
	}
	if err := s.Apply(ctx, plan); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, map[string]any{"changes": n, "steps": plan, "notes": s.notes})
	}
	fmt.Fprintf(w, "Applied %d change(s).\n", n)
	return nil
}

func (s *Setup) runStatus(ctx context.Context, w io.Writer, asJSON bool) error {
	rows, err := s.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return WriteStatusJSON(w, rows)
	}
	return WriteStatusTable(w, rows)
}

func (s *Setup) runTeardown(ctx context.Context, w io.Writer, asJSON, all bool) error {
	plan, err := s.TeardownPlan(ctx, all)
	if err != nil {
		return err
	}
	if !asJSON {
		writePlan(w, plan)
	}
	if err := s.Apply(ctx, plan); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, map[string]any{"changes": len(plan), "steps": plan})
	}
	if len(plan) == 0 {
		fmt.Fprintln(w, "Nothing to remove: no mirror set up by shoveltap for these exchanges.")
	} else {
		fmt.Fprintf(w, "Removed: %d step(s).\n", len(plan))
	}
	return nil
}

func countChanges(plan []Action) int {
	n := 0
	for _, a := range plan {
		if a.Changes() {
			n++
		}
	}
	return n
}

// writePlan prints one line per step: "+" creates or binds, "~" updates,
// "-" removes, "=" is already as described.
func writePlan(w io.Writer, plan []Action) {
	for _, a := range plan {
		sign := map[string]string{OpKeep: "=", OpCreate: "+", OpBind: "+", OpRestore: "+", OpUpdate: "~", OpUnbind: "-", OpDelete: "-"}[a.Op]
		line := fmt.Sprintf("%s %-10s %-7s %-8s %s", sign, a.Broker, a.Op, a.Kind, a.Name)
		if a.Detail != "" {
			line += "  (" + a.Detail + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// writeNotes prints the notes, each on a line of its own.
func (s *Setup) writeNotes(w io.Writer) {
	for _, n := range s.notes {
		fmt.Fprintln(w, "Note: "+n+".")
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
