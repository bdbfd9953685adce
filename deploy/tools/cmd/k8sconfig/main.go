// Command k8sconfig writes deploy/kubernetes/configmaps.yaml from config/*.yaml.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/periscope-otel/periscope/deploy/tools/internal/k8sconfig"
)

func main() {
	configs := flag.String("configs", "config", "directory of the shipped configurations")
	out := flag.String("out", "deploy/kubernetes/configmaps.yaml", "output file")
	flag.Parse()
	b, err := k8sconfig.Render(*configs)
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8sconfig:", err)
		os.Exit(1)
	}
}
