package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/shoveltap/shoveltap/ui/common"
	"github.com/shoveltap/shoveltap/ui/styles"
)

// A production environment's label leads the status line in red, whatever
// colour the file gives it; another environment's is in its own colour.
func TestEnvironmentLabelColour(t *testing.T) {
	st := styles.New(styles.DefaultTheme())
	red := envBadge(&st, Options{EnvLabel: "PROD eu", EnvColour: "2", Production: true})
	if !strings.Contains(red, "31") && !strings.Contains(red, "41") {
		t.Errorf("production label is not red: %q", red)
	}
	if ansi.Strip(red) != " PROD eu " {
		t.Errorf("label %q", ansi.Strip(red))
	}
	green := envBadge(&st, Options{EnvLabel: "staging", EnvColour: "2"})
	if !strings.Contains(green, "32") && !strings.Contains(green, "42") {
		t.Errorf("staging label is not green: %q", green)
	}
	if envBadge(&st, Options{}) != "" {
		t.Error("a badge without an environment")
	}
	hostile := envBadge(&st, Options{EnvLabel: "x\x1b[2Jy"})
	if strings.Contains(hostile, "\x1b[2J") {
		t.Errorf("the label's escape reached the screen: %q", hostile)
	}

	bar := statusBar{com: common.New()}
	in := statusInfo{broker: "mq.example.com:5671", vhost: "/", state: running(1).State, env: red}
	for _, width := range []int{40, 80, 200} {
		line := ansi.Strip(strings.Join(bar.lines(in, width), "\n"))
		if !strings.HasPrefix(line, " PROD eu ") {
			t.Errorf("width %d: the status line does not start with the label:\n%s", width, line)
		}
	}
}

// The environment's label and the --insecure-tls warning stay on screen
// for the whole session.
func TestGoldenEnvironment(t *testing.T) {
	opts := testOptions
	opts.EnvLabel, opts.Production, opts.InsecureTLS = "PROD eu-west", true, true
	for _, size := range screenSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tm := teatest.NewTestModel(t, New(opts, nil),
				teatest.WithInitialTermSize(size[0], size[1]),
				teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
			tm.Send(batch(messages(1, 20), running(20)))
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
			checkScreen(t, final)
			scr := screen(final)
			for _, want := range []string{"PROD eu-west", "--insecure-tls"} {
				if !strings.Contains(scr, want) {
					t.Errorf("screen lacks %q:\n%s", want, scr)
				}
			}
			golden.RequireEqual(t, plainScreen(t, final))
		})
	}
}
