package ui

import (
	"charm.land/lipgloss/v2"

	"github.com/shoveltap/shoveltap/tap/sanitize"
	"github.com/shoveltap/shoveltap/ui/styles"
)

// envBadge renders the environment's label once: red for production,
// otherwise in its colour. "" without an environment.
func envBadge(st *styles.Styles, opts Options) string {
	if opts.EnvLabel == "" {
		return ""
	}
	label := " " + sanitize.Line(opts.EnvLabel) + " "
	switch {
	case opts.Production:
		return st.Status.Production.Render(label)
	case opts.EnvColour != "":
		return st.Status.Env.Foreground(lipgloss.Color(opts.EnvColour)).Render(label)
	}
	return st.Status.Env.Render(label)
}

// warnings are the lines above the status bar: an unverified TLS
// certificate first, then what the tap cannot see.
func (m Model) warnings() []string {
	var w []string
	if m.opts.InsecureTLS {
		w = append(w, "TLS certificates are not verified (--insecure-tls): anyone in the middle can read and change this traffic")
	}
	return append(w, m.tap.Notes...)
}
