package shiptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// need returns an environment variable that make ship-test sets; without it
// the test fails (an artifact test that skips would hide a broken build).
func need(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run `make ship-test`", name)
	}
	return v
}

func root(t *testing.T) string { return need(t, "PERISCOPE_ROOT") }

func periscopeBin(t *testing.T) string {
	p := filepath.Join(root(t), "bin", "periscope")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("bin/periscope: %v (make build)", err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
