package main

import (
	"fmt"
	"strconv"
)

// rateFlag is --max-rate: a number of messages a second, and whether it
// was given (0 given lifts a limit that an environment sets).
type rateFlag struct {
	n   int
	set bool
}

func (r *rateFlag) String() string {
	if r == nil || !r.set {
		return ""
	}
	return strconv.Itoa(r.n)
}

func (r *rateFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("give copied messages per second, e.g. 1000, or 0 for no limit")
	}
	r.n, r.set = n, true
	return nil
}
