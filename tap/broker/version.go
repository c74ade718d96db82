package broker

import (
	"strconv"
	"strings"
)

// VersionAtLeast reports whether a RabbitMQ version such as "4.3.6" or
// "4.2.0-rc.1" is major.minor or later. An empty or unreadable version is
// not: a feature is used only where the broker is known to have it.
func VersionAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	minorDigits, _, _ := strings.Cut(parts[1], "-") // "4.2-rc.1"
	mi, err2 := strconv.Atoi(minorDigits)
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
