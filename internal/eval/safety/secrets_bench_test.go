package safety

import (
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
)

// BenchmarkSecrets measures the secrets scan on ordinary conversation text
// (no credential keywords beyond prose words) and on code-like text that
// mentions keys and tokens.
func BenchmarkSecrets(b *testing.B) {
	prose := conversation(32 << 10)
	code := strings.Repeat("cfg := map[string]string{\"region\": \"us-east-1\", \"timeout\": \"30s\"}\n"+
		"// load the api key and the auth token from the environment\n"+
		"apiKey := os.Getenv(\"API_KEY\"); token := os.Getenv(\"TOKEN\")\n"+
		"log.Printf(\"connecting to %s with key id %s\", host, keyID)\n", 128)
	plain := strings.Repeat("The quick brown fox jumps over the lazy dog while the river runs to the sea. ", 400)
	// Prose about credentials: keywords everywhere, no secret.
	talk := strings.Repeat("Keep the secret key out of the repository, they said. Ask for a new token when the "+
		"password expires: access is granted by the auth service, and the api returns a session. "+
		"Rotate each credential monthly; the kind of data you store there matters.\n", 140)
	for _, c := range []struct{ name, text string }{
		{"plain", plain},
		{"prose", prose.Input + prose.Output},
		{"talk", talk},
		{"code", code},
	} {
		b.Run(c.name, func(b *testing.B) {
			var fs []eval.Finding
			var hits []Hit
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				fs, hits = ScanSecrets(c.text, eval.SideInput, fs[:0], hits)
			}
		})
	}
}
