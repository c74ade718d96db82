package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// quitView is what the body shows while the tap is being removed.
type quitView struct {
	com common.Common
}

var _ common.Component = (*quitView)(nil)

func (q *quitView) SetSize(width, height int) { q.com.SetSize(width, height) }

func (q quitView) View() string {
	st := q.com.Styles
	msg := common.Truncate(st.Detail.Title.Render("removing tap…"), q.com.Width) + "\n\n" +
		st.Muted.Render(common.Truncate("ctrl+c quits at once and leaves the tap on the broker", q.com.Width))
	placed := lipgloss.Place(q.com.Width, q.com.Height, lipgloss.Center, lipgloss.Center, msg)
	return common.Block(strings.Split(placed, "\n"), q.com.Height) // Place keeps a message taller than the pane whole

}

// ShortHelp has the one key that works while the tap is removed.
func (q quitView) ShortHelp() []key.Binding {
	return []key.Binding{q.com.Keys.For(keys.ModeQuitting, keys.State{}).ForceQuit}
}

func (q quitView) FullHelp() [][]key.Binding { return [][]key.Binding{q.ShortHelp()} }
