package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
)

// version is set at build time by goreleaser (-X main.version=…).
var version = "dev"

func newVersionCmd(con cmdline.Console) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		// One line of the root's help names it with completion.
		Annotations: map[string]string{cmdline.RareCommand: "the version"},
		Args:        cmdline.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return status(runVersion(con))
		},
	}
}

// runVersion is "shoveltap version" (or --version).
func runVersion(con cmdline.Console) int {
	fmt.Fprintln(con.Stdout, "shoveltap", version)
	return 0
}
