package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParseFileArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		file string
		yes  bool
		err  string // in what was printed
	}{
		{args: []string{"c.jsonl", "--yes"}, file: "c.jsonl", yes: true},
		{args: []string{"--yes", "c.jsonl"}, file: "c.jsonl", yes: true},
		{args: []string{"--rate", "5", "c.jsonl", "--yes"}, file: "c.jsonl", yes: true},
		{args: []string{"--", "-odd.jsonl"}, file: "-odd.jsonl"},
		{args: []string{"--yes"}, yes: true},
		{args: nil},
		{args: []string{"a.jsonl", "b.jsonl"}, err: `shoveltap test: unexpected argument "b.jsonl"`},
		{args: []string{"a.jsonl", "--yes", "b.jsonl"}, err: `unexpected argument "b.jsonl"`},
		{args: []string{"a.jsonl", "--nope"}, err: "flag provided but not defined: -nope"},
	} {
		var out bytes.Buffer
		fs := flag.NewFlagSet("shoveltap test", flag.ContinueOnError)
		fs.SetOutput(&out)
		yes := fs.Bool("yes", false, "")
		fs.Float64("rate", 0, "")
		file, err := parseFileArgs(fs, tc.args)
		switch {
		case tc.err != "":
			if err == nil || flagExit(err) != 2 || !strings.Contains(out.String(), tc.err) {
				t.Errorf("%v: err %v, printed %q; want exit 2 and %q printed", tc.args, err, out.String(), tc.err)
			}
		case err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case file != tc.file || *yes != tc.yes:
			t.Errorf("%v: file %q, --yes %v; want %q, %v", tc.args, file, *yes, tc.file, tc.yes)
		}
	}
}

func TestFlagExit(t *testing.T) {
	if flagExit(flag.ErrHelp) != 0 || flagExit(errors.New("flag provided but not defined: -x")) != 2 {
		t.Error("want 0 for help and 2 for a wrong flag")
	}
}
