package main

import (
	"errors"
	"flag"
	"fmt"
)

// flagExit is the exit status after parsing a command line failed: 0 for
// -h/--help, 2 otherwise. The flag package (or parseFileArgs) has already
// said why.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// errExtraArg is parseFileArgs' error for a second FILE; it has been
// printed.
var errExtraArg = errors.New("unexpected argument")

// parseFileArgs parses the flags of a command that takes one FILE, which
// may come before, among or after the flags. Errors have been printed to
// fs.Output() by the time it returns, as the flag package prints its own.
func parseFileArgs(fs *flag.FlagSet, args []string) (string, error) {
	var file string
	found := false
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		args = fs.Args()
		if len(args) == 0 {
			return file, nil
		}
		if found {
			fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), args[0])
			return "", errExtraArg
		}
		// The flag package stops at the first argument that is not a
		// flag: take it as FILE and parse the flags after it.
		file, found, args = args[0], true, args[1:]
	}
}
