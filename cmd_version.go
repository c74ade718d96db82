package main

import "fmt"

// version is set at build time by goreleaser (-X main.version=…).
var version = "dev"

// runVersion is "shoveltap version" (or --version).
func runVersion(con console) int {
	fmt.Fprintln(con.stdout, "shoveltap", version)
	return 0
}
