// Package testutil holds helpers shared by Periscope's tests.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedDir returns the absolute path of the read-only ../shared folder that
// sits beside the repository checkout (in development and in CI). The test
// fails if it cannot be found.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(filepath.Dir(RepoRoot(tb)), "shared")
}

// RepoRoot returns the repository root: the nearest directory holding
// go.mod with a ../shared sibling.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "..", "shared", "DESIGN.md")); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("repository root with ../shared beside it not found")
		}
		dir = parent
	}
}
