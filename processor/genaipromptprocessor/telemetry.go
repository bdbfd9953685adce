package genaipromptprocessor

import (
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

// initTelemetry builds the processor's counters, declared in metadata.yaml.
// Labels are bounded: a skip reason or a version source, never a prompt.
func (p *promptProcessor) initTelemetry() error {
	tb, err := metadata.NewTelemetryBuilder(p.set.TelemetrySettings)
	if err != nil {
		return err
	}
	p.processed = tb.ProcessorGenaiPromptSpansProcessed
	p.skipped = tb.ProcessorGenaiPromptSpansSkipped
	p.identified = tb.ProcessorGenaiPromptPromptsIdentified
	p.newVersions = tb.ProcessorGenaiPromptNewVersions
	p.truncated = tb.ProcessorGenaiPromptPromptsTruncated
	p.evictions = tb.ProcessorGenaiPromptStateEvictions
	return nil
}

var attrSets sync.Map // string -> attribute.Set

func reasonSet(reason string) attribute.Set { return cachedSet("reason", reason) }

func sourceSet(source string) attribute.Set {
	return cachedSet("version_source", source)
}

func cachedSet(k, v string) attribute.Set {
	key := k + "=" + v
	if s, ok := attrSets.Load(key); ok {
		return s.(attribute.Set)
	}
	s := attribute.NewSet(attribute.String(k, v))
	attrSets.Store(key, s)
	return s
}
