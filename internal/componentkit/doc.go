// Package componentkit holds the parts every Periscope component writes
// around the shared reader: the resource → scope → span (or log record)
// walk with the `conditions:` selector, the guarded read through
// internal/genai (a reader panic becomes a rate-limited warning and a
// skip, the data passes unchanged), per-batch skip counters, and the map
// of which resource and scope each log record lives in.
//
// Adopting it in a component (a processor shown; connectors and exporters
// are the same):
//
//	guard := componentkit.NewGuard(set.Logger, "genai_x")   // once, in the constructor
//
//	func (p *proc) processTraces(ctx context.Context, td ptrace.Traces) ptrace.Traces {
//		var skips componentkit.Skips
//		defer skips.Flush(ctx, p.skipped)                // otelcol_..._skipped{reason}
//		for s := range componentkit.Spans(td) {
//			if !s.Selected(ctx, p.spanSel) {
//				skips.Add(componentkit.SkipNotSelected)
//				continue
//			}
//			v, ok := p.guard.ReadSpan(s.Span, s.RS.Resource(), p.opts)
//			if !ok {
//				skips.Add(componentkit.SkipInternalError)
//				continue
//			}
//			...
//		}
//		return td
//	}
//
// Log records arrive grouped by call (genai.GroupLogRecords); the selector
// needs each record's resource and scope, which Locations finds (built
// once per batch, and only when a selector is configured):
//
//	loc := componentkit.NewLocations(ld)
//	for _, g := range genai.GroupLogRecords(ld) {
//		if !loc.AnySelected(ctx, p.logSel, g.Records) { skips.Add(componentkit.SkipNotSelected); continue }
//		v, ok := p.guard.ReadLogs(g, p.opts)
//		...
//	}
//
// Work other than the read (the evaluators, a row builder) is guarded the
// same way with Guard.Run.
package componentkit
