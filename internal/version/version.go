// Package version reports ferroseal's own version: the one set at link time, else the module version Go recorded
// in the binary, else "devel".
package version

import "runtime/debug"

// Linked is set at link time: go build -ldflags "-X github.com/ferroseal/ferroseal/internal/version.Linked=v1.2.3".
var Linked string

// String returns ferroseal's version.
func String() string {
	if Linked != "" {
		return Linked
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
