package ui

import (
	"charm.land/bubbles/v2/key"

	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/filterbar"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// newFilterBar is the tracer's filter on messages. While typing, only
// applying, cancelling and quitting are keys: every other key is part of
// the query.
func newFilterBar(com common.Common) filterbar.Bar {
	k := com.Keys.For(keys.ModeFilter, keys.State{})
	return filterbar.New(com, "text, rk:order.#, task:tasks.add, -term",
		[]key.Binding{k.ApplyFilter, k.CancelFilter, k.Quit},
		[][]key.Binding{{k.ApplyFilter, k.CancelFilter}, {k.Quit}})
}
