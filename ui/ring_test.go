package ui

import (
	"testing"

	"github.com/shoveltap/shoveltap/tap"
)

func TestRing(t *testing.T) {
	r := newRing(3)
	var evicted []uint64
	for seq := uint64(1); seq <= 5; seq++ {
		if old := r.push(&entry{msg: tap.Message{Seq: seq}}); old != nil {
			evicted = append(evicted, old.msg.Seq)
		}
	}
	if r.len() != 3 {
		t.Fatalf("len = %d, want 3", r.len())
	}
	for i, want := range []uint64{3, 4, 5} {
		if got := r.at(i).msg.Seq; got != want {
			t.Errorf("at(%d) = %d, want %d", i, got, want)
		}
	}
	if len(evicted) != 2 || evicted[0] != 1 || evicted[1] != 2 {
		t.Errorf("evicted = %v, want [1 2]", evicted)
	}
}
