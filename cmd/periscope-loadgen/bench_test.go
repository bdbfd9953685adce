package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/processor"
	"gopkg.in/yaml.v3"

	"github.com/periscope-otel/periscope/processor/genaicostprocessor"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor"
)

// TestScenarioConfigsValid decodes every scenario's Periscope processor
// blocks with the real factories and validates them: a key or evaluator
// name the components do not know fails here, not minutes into make bench.
func TestScenarioConfigsValid(t *testing.T) {
	factories := map[string]processor.Factory{}
	for _, f := range []processor.Factory{genainormalizeprocessor.NewFactory(), genaicostprocessor.NewFactory(),
		genaipromptprocessor.NewFactory(), genaievalprocessor.NewFactory()} {
		factories[f.Type().String()] = f
	}
	checked := 0
	for _, s := range scenarios {
		var doc struct {
			Processors map[string]map[string]any `yaml:"processors"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(s.config("127.0.0.1:1", "127.0.0.1:2")), &doc), s.name)
		for name, block := range doc.Processors {
			f, ok := factories[name]
			if !ok {
				continue // a stock component
			}
			cfg := f.CreateDefaultConfig()
			require.NoError(t, confmap.NewFromStringMap(block).Unmarshal(cfg), "%s: %s", s.name, name)
			v, ok := cfg.(interface{ Validate() error })
			require.True(t, ok, name)
			require.NoError(t, v.Validate(), "%s: %s", s.name, name)
			checked++
		}
	}
	require.GreaterOrEqual(t, checked, 8)
}

// TestScenarioFileNames: each scenario's config file name is distinct and
// holds nothing a URI scheme or a shell could take for syntax.
func TestScenarioFileNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range scenarios {
		n := s.fileName()
		require.Regexp(t, `^[a-z0-9-]+\.yaml$`, n, s.name)
		require.False(t, seen[n], n)
		seen[n] = true
	}
}

// TestBreakdownOptIn: the breakdown rows run when --only names them and
// never in make bench's table.
func TestBreakdownOptIn(t *testing.T) {
	var optIn int
	for _, s := range scenarios {
		if s.optIn {
			optIn++
			require.True(t, strings.HasPrefix(s.name, "eval-breakdown"), s.name)
		}
	}
	require.Equal(t, 4, optIn)
	require.Len(t, pick(scenarios, ""), len(scenarios)-1-optIn)
	require.Len(t, pick(scenarios, "eval-breakdown"), 4)
}
