package tap

import "time"

// gapMarks holds, per source, the gap the source's next message carries
// (Message.Gap): a reader of the stream then knows exactly where copies
// are missing and why.
type gapMarks map[int]Gap

// add notes a gap before source i's next message; two gaps with no
// message of i between them become one.
func (g gapMarks) add(i int, gap Gap) {
	old, ok := g[i]
	if !ok {
		g[i] = gap
		return
	}
	if gap.From.After(old.From) {
		gap.From = old.From
	}
	if old.To.After(gap.To) {
		gap.To = old.To
	}
	if old.Reason != gap.Reason {
		// The stronger claim: anything may be missing, how much is
		// unknown.
		gap.Reason, gap.Missed = GapReconnect, 0
	} else {
		gap.Missed += old.Missed
	}
	g[i] = gap
}

// addAll notes a gap before the next message of each of n sources.
func (g gapMarks) addAll(n int, gap Gap) {
	for i := range max(1, n) {
		g.add(i, gap)
	}
}

// take returns and forgets source i's gap, nil when there is none.
func (g gapMarks) take(i int) *Gap {
	gap, ok := g[i]
	if !ok {
		return nil
	}
	delete(g, i)
	return &gap
}

// pointOf is the index of the source a message came from (0 when none
// matches), for its gap.
func (s *Session) pointOf(m Message) int {
	for i, p := range s.points {
		if p.Label == m.Source {
			return i
		}
	}
	return 0
}

// relinked notes the gap a re-created tap leaves in every source, from
// when the connection was lost until now, and starts the budget's window
// on the new bindings.
func (p *pump) relinked(lost time.Time) {
	now := time.Now()
	p.gaps.addAll(len(p.s.points), Gap{Reason: GapReconnect, From: lost, To: now})
	if p.budget != nil {
		p.budget.relinked(now)
		p.s.setBudget(p.budget.status(time.Now()))
	}
}
