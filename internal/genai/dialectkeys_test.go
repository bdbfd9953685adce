package genai

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// dialectPrefixes are namespaces that belong to a dialect as a whole.
var dialectPrefixes = []string{"llm.", "traceloop.", "ai.", "langfuse.", "openinference.", "mlflow.", "logfire.",
	"gen_ai.prompt.", "gen_ai.completion."}

// outputKeys are the keys Periscope writes or that belong to OpenTelemetry
// at large: the internal/contract constants, the current semconv keys
// (semconvKeys, what genai_normalize writes), the general OpenTelemetry
// keys (otelKeys: server.address, error.type, session.id, user.id, ...) and
// the two semconv spellings the normalizer writes on request.
func outputKeys(t *testing.T) map[string]bool {
	out := map[string]bool{
		"gen_ai.system":           true, // emit_legacy_system
		"gen_ai.prompt.variable.": true, // semconv prompt template variables
	}
	for _, s := range semconvKeys {
		out[s.key] = true
	}
	for _, s := range otelKeys {
		out[s.key] = true
	}
	// The exported string constants of internal/contract.
	for _, v := range contractStrings(t) {
		out[v] = true
	}
	return out
}

// contractStrings parses internal/contract for its string constants.
func contractStrings(t *testing.T) []string {
	dir := filepath.Join(testutil.RepoRoot(t), "internal", "contract")
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}

// isDialectKey reports whether a string literal spells a dialect key.
func isDialectKey(s string, allowed map[string]bool) bool {
	if allowed[s] {
		return false
	}
	if !strings.ContainsAny(s, "._") {
		return false // a plain word ("metadata", "content") is no dialect's own
	}
	if _, ok := lookupKey(s); ok {
		return true
	}
	for _, p := range dialectPrefixes {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			return true
		}
	}
	return false
}

// TestNoDialectKeysOutsideGenAI: every dialect key is spelled in
// internal/genai only (its tables), so that a new dialect is one file. It
// parses every non-test Go file of the module outside internal/genai and
// fails on a string literal that is a key of the dialect tables or lies in
// a dialect namespace. Keys Periscope writes (internal/contract, current
// semconv) are allowed; tests, testdata and the test tree are not scanned,
// nor is the load generator, whose job is to emit every dialect.
func TestNoDialectKeysOutsideGenAI(t *testing.T) {
	root := testutil.RepoRoot(t)
	allowed := outputKeys(t)
	skip := map[string]bool{
		filepath.Join(root, "internal", "genai"):             true,
		filepath.Join(root, "test"):                          true,
		filepath.Join(root, "cmd", "periscope-loadgen"):      true,
		filepath.Join(root, "bin"):                           true,
		filepath.Join(root, "node_modules"):                  true,
		filepath.Join(root, "cmd", "periscope", "generated"): true,
	}
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if skip[path] || name == "testdata" || name == "vendor" || (strings.HasPrefix(name, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return nil // a file mid-edit elsewhere is not this test's business
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && isDialectKey(s, allowed) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: dialect key %q outside internal/genai: add it to a dialect table (dialect_*.go) and read it through the View or an exported helper",
					rel, fset.Position(lit.Pos()).Line, s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d Go files scanned: the walk is broken", files)
	}
}

// TestDialectKeyCheckCatches: the check is not vacuous.
func TestDialectKeyCheckCatches(t *testing.T) {
	allowed := outputKeys(t)
	for _, k := range []string{"llm.token_count.prompt", "ai.usage.inputTokens", "langfuse.session.id", "gen_ai.prompt.0.content",
		"traceloop.entity.input", "input.value", "request_data", "openai.response.service_tier"} {
		if !isDialectKey(k, allowed) {
			t.Errorf("%s not caught", k)
		}
	}
	for _, k := range []string{"gen_ai.usage.input_tokens", "gen_ai.input.messages", contract.AttrCost, contract.AttrDialect,
		"gen_ai.prompt.variable.", "service.name", "session.id", "metadata"} {
		if isDialectKey(k, allowed) {
			t.Errorf("%s is an output key", k)
		}
	}
}
