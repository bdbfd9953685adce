// Command helmvalues writes deploy/helm/values-{agent,gateway}.yaml from config/.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/periscope-otel/periscope/deploy/tools/internal/helmvalues"
)

func main() {
	configs := flag.String("configs", "config", "directory of the shipped configurations")
	out := flag.String("out", "deploy/helm", "output directory")
	flag.Parse()
	for _, mode := range []string{"agent", "gateway"} {
		b, err := helmvalues.Render(*configs, mode)
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, "values-"+mode+".yaml"), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "helmvalues:", err)
			os.Exit(1)
		}
	}
}
