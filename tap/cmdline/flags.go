package cmdline

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"
)

// The topics flags are grouped by in help and in docs/usage.md, in order.
// A flag with no group is listed under "Flags", after these.
const (
	GroupConnection = "Connection"
	GroupTLS        = "TLS and credentials"
	GroupWhat       = "What to tap"
	GroupExpect     = "Expectations"
	GroupBehaviour  = "Tap behaviour"
	GroupOutput     = "Output"
	GroupDecoding   = "Decoding"
	GroupWeb        = "Web"
	GroupBudget     = "Budget"
	GroupMirror     = "Mirror"
	GroupLimits     = "Limits"
	GroupOther      = "Flags"
)

var groupOrder = []string{GroupConnection, GroupTLS, GroupWhat, GroupExpect, GroupBehaviour, GroupOutput, GroupDecoding, GroupWeb, GroupBudget, GroupMirror, GroupLimits, GroupOther}

// The flag annotations this package reads.
const (
	annGroup = "shoveltap_group"
	annRare  = "shoveltap_rare" // listed by name only in --help
	annEnv   = "shoveltap_env"  // the SHOVELTAP_* variable behind the flag
	annBrief = "shoveltap_brief"
	annJoin  = "shoveltap_join" // shown on the line of the flag it names
)

// Brief gives flags the short line --help shows, where the first clause
// of their usage would not say enough.
func Brief(fs *pflag.FlagSet, briefs map[string]string) {
	for name, b := range briefs {
		mustAnnotate(fs, name, annBrief, b)
	}
}

// Join shows the flags others on the help line of first: one line for a
// CA, certificate and key triple.
func Join(fs *pflag.FlagSet, first string, others ...string) {
	for _, n := range others {
		mustAnnotate(fs, n, annJoin, first)
	}
}

// Group files the named flags of fs under a topic.
func Group(fs *pflag.FlagSet, group string, names ...string) {
	for _, n := range names {
		mustAnnotate(fs, n, annGroup, group)
	}
}

// Rare marks flags that --help lists by name only, to keep it to two
// screens; docs/usage.md explains them like the others.
func Rare(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		mustAnnotate(fs, n, annRare, "true")
	}
}

// BindEnv records, for help and docs, the SHOVELTAP_* variable that gives
// a flag's value when the flag is left out. The variables are read where
// the value is resolved (tap/broker, tap/envs, setup), after --env's
// environment, as before: this is their one list.
func BindEnv(fs *pflag.FlagSet, vars map[string]string) {
	for name, v := range vars {
		mustAnnotate(fs, name, annEnv, v)
	}
}

// EnvOf is the variable bound to a flag, "" for none.
func EnvOf(f *pflag.Flag) string { return annotation(f, annEnv) }

func groupOf(f *pflag.Flag) string {
	if g := annotation(f, annGroup); g != "" {
		return g
	}
	return GroupOther
}

func isRare(f *pflag.Flag) bool { return annotation(f, annRare) != "" }

func annotation(f *pflag.Flag, key string) string {
	if v := f.Annotations[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// mustAnnotate panics on a flag that does not exist: a typo in the
// command table, found by every test that builds it.
func mustAnnotate(fs *pflag.FlagSet, name, key, value string) {
	if err := fs.SetAnnotation(name, key, []string{value}); err != nil {
		panic(fmt.Sprintf("cmdline: %v", err))
	}
}

// TLSFiles is a CA, certificate and key triple: the one definition of the
// six on the command line (the broker's, the tap broker's, the tap
// shovel's, and setup's production, mirror and mirror shovel).
type TLSFiles struct {
	CACert, Cert, CertKey string
}

// TLSHelp is the help of a TLSFiles' three flags.
type TLSHelp struct{ CACert, Cert, CertKey string }

// Register defines --PREFIXca-cert, --PREFIXcert and --PREFIXcert-key, in
// the TLS group; prefixed ones are rare.
func (t *TLSFiles) Register(fs *pflag.FlagSet, prefix string, help TLSHelp) {
	names := []string{prefix + "ca-cert", prefix + "cert", prefix + "cert-key"}
	fs.StringVar(&t.CACert, names[0], "", help.CACert)
	fs.StringVar(&t.Cert, names[1], "", help.Cert)
	fs.StringVar(&t.CertKey, names[2], "", help.CertKey)
	Group(fs, GroupTLS, names...)
	Join(fs, names[0], names[1], names[2])
	if prefix != "" {
		Rare(fs, names...)
	}
}

// Any says whether one of the three is given.
func (t TLSFiles) Any() bool { return t.CACert != "" || t.Cert != "" || t.CertKey != "" }

// Rate is --max-rate: a number of messages a second, and whether it was
// given (0 given lifts a limit that an environment sets).
type Rate struct {
	N     int
	Given bool
}

func (r *Rate) String() string {
	if r == nil || !r.Given {
		return ""
	}
	return strconv.Itoa(r.N)
}

// Set takes a count of messages per second, 0 or more.
func (r *Rate) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("give copied messages per second, e.g. 1000, or 0 for no limit")
	}
	r.N, r.Given = n, true
	return nil
}

// Type is the value's name in help.
func (r *Rate) Type() string { return "N" }
