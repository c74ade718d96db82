// Package common is what every part of shoveltap's screen shares: one
// Common value (the size, the styles, the key map), built once at the root
// and handed to each component, and the Component contract they all keep.
package common

import (
	"charm.land/bubbles/v2/help"

	"github.com/shoveltap/shoveltap/ui/keys"
	"github.com/shoveltap/shoveltap/ui/styles"
)

// Common is what a component needs from the root. Styles and Keys point at
// the values built once for the whole program, so that copying a Common
// into every component builds nothing; Width and Height are the size the
// component was last given.
type Common struct {
	Width, Height int
	Styles        *styles.Styles
	// Keys holds every binding, all enabled. A component takes the ones
	// of its mode with Keys.For, so that its help lists what works now.
	Keys *keys.KeyMap
}

// New builds the styles of the default theme and the default key map. Call
// it once, at the root.
func New() Common {
	st := styles.New(styles.DefaultTheme())
	km := keys.Default()
	return Common{Styles: &st, Keys: &km}
}

// SetSize records the size a component is drawn at.
func (c *Common) SetSize(width, height int) {
	c.Width, c.Height = width, height
}

// Component is a part of the screen. The root decides each component's
// size (SetSize, once per resize or layout change), asks it for its lines
// (View, which only reads what Update prepared) and, for the component
// that has the keyboard, for its key bindings: ShortHelp is the help line
// at the bottom, FullHelp the help screen.
//
// Update is not part of the contract: the selection the table, the detail
// pane and the trace tree show belongs to the stream that all three read,
// so the root routes key presses to whoever owns what they change.
type Component interface {
	help.KeyMap
	SetSize(width, height int)
	View() string
}
