// Package taprun runs taps from the command line: shoveltap without a
// command (the tap), and shoveltap expect, which taps with the same options
// and gives a verdict instead of a view.
//
// For the tap it goes between the source picker and tap sessions
// (loop.go), and runs each session through the one pipeline into its view
// — the terminal UI, JSON lines or the web page only — beside the web
// monitor and the Prometheus endpoint, removing the tap when the session
// ends. It lives under ui/ because it starts the terminal UI and the
// picker; everything it drives on the broker is tap/'s.
package taprun
