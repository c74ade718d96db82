package decode

import "errors"

var (
	errTooLarge = errors.New("body too large to decode")
	errNotJSON  = errors.New("not JSON")
)
